// SVG files imported as text (`with { type: "text" }`), so the compiled binary carries them.
declare module "*.svg" {
  const text: string;
  export default text;
}
