import pkg from "../package.json" with { type: "json" };

// Injected by scripts/build.ts into the compiled binary; absent under `bun run` and `bun test`.
declare const DOCKERCASK_VERSION: string | undefined;
declare const DOCKERCASK_COMMIT: string | undefined;

export const VERSION: string = typeof DOCKERCASK_VERSION === "string" ? DOCKERCASK_VERSION : `${pkg.version}-dev`;
export const COMMIT: string = typeof DOCKERCASK_COMMIT === "string" ? DOCKERCASK_COMMIT : "unknown";
