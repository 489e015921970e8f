/**
 * Compiles dockercask into one self-contained binary, with every file of apps/ embedded.
 *
 *   bun scripts/build.ts            dist/dockercask for this machine
 */
import { $ } from "bun";
import { join } from "node:path";
import pkg from "../package.json" with { type: "json" };

const root = join(import.meta.dir, "..");

async function gitCommit(): Promise<string> {
  const result = await $`git -C ${root} rev-parse --short=12 HEAD`.quiet().nothrow();
  if (result.exitCode !== 0) return "unknown";
  const dirty = (await $`git -C ${root} status --porcelain --untracked-files=no`.quiet().nothrow()).stdout.length > 0;
  return `${result.stdout.toString().trim()}${dirty ? "-dirty" : ""}`;
}

export async function compile(options: { target?: string; outfile: string; version: string; commit: string }) {
  const result = await Bun.build({
    entrypoints: [join(root, "src/main.ts")],
    compile: {
      ...(options.target ? { target: options.target as never } : {}),
      outfile: options.outfile,
      // The shipped binary must not change behaviour because of a bunfig.toml or .env in the user's cwd.
      autoloadBunfig: false,
      autoloadDotenv: false,
    },
    minify: true,
    bytecode: true,
    format: "esm",
    sourcemap: "none",
    define: {
      DOCKERCASK_VERSION: JSON.stringify(options.version),
      DOCKERCASK_COMMIT: JSON.stringify(options.commit),
    },
  });
  if (!result.success) {
    for (const message of result.logs) console.error(message);
    throw new Error(`compiling ${options.outfile} failed`);
  }
  return options.outfile;
}

if (import.meta.main) {
  const commit = await gitCommit();
  const outfile = await compile({ outfile: join(root, "dist/dockercask"), version: pkg.version, commit });
  console.error(`built ${outfile} (${pkg.version}, ${commit})`);
}
