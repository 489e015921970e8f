// Scripts imported as text (`with { type: "text" }`), so the compiled binary carries them.
declare module "*.pl" {
  const text: string;
  export default text;
}
