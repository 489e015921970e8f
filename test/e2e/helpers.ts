/**
 * Shared by the e2e suites: they drive the compiled binary (dist/dockercask), never the
 * sources, against the real engine and X servers that scripts/testbed.sh set up.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const ROOT = join(import.meta.dir, "../..");
export const BIN = join(ROOT, "dist/dockercask");
export const ARTIFACTS = join(ROOT, "test-artifacts");

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A private XDG world for one test file: its own config, data and runtime folders. */
export interface Sandbox {
  dir: string;
  env: Record<string, string>;
  run(args: string[], options?: { env?: Record<string, string>; stdin?: string }): Promise<CliResult>;
  cleanup(): void;
}

export function createSandbox(name: string): Sandbox {
  const dir = mkdtempSync(join(tmpdir(), `dockercask-e2e-${name}-`));
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin",
    HOME: join(dir, "home"),
    XDG_CONFIG_HOME: join(dir, "config"),
    XDG_DATA_HOME: join(dir, "data"),
    XDG_RUNTIME_DIR: join(dir, "run"),
    NO_COLOR: "1",
  };
  for (const key of ["DISPLAY", "PULSE_SERVER", "DOCKER_HOST"]) if (process.env[key]) env[key] = process.env[key]!;
  mkdirSync(env.HOME!, { recursive: true });
  mkdirSync(env.XDG_RUNTIME_DIR!, { recursive: true, mode: 0o700 });
  return {
    dir,
    env,
    async run(args, options = {}) {
      return runCollected([BIN, ...args], { env: { ...env, ...options.env }, stdin: options.stdin });
    },
    cleanup() {
      // A test that failed half-way may leave instances running: stop them before their runtime
      // dirs go, or their containers and Xephyrs outlive the suite and trip up the next one.
      if (listFilesBelow(join(env.XDG_RUNTIME_DIR!, "dockercask")).length)
        Bun.spawnSync([BIN, "stop", "--all"], { env, stdout: "ignore", stderr: "ignore" });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Every file (not directory) below `dir`, relative; [] when it does not exist. */
export function listFilesBelow(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.flatMap((e) => {
    const path = join(dir, e);
    return statSync(path).isDirectory() ? [`${e}/`, ...listFilesBelow(path).map((f) => `${e}/${f}`)] : [e];
  });
}

export function sh(command: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return runCollected(command, { env: { ...process.env, ...env } as Record<string, string> });
}

/**
 * Runs a command to its end with exactly `env` (and `stdin`, if given), stdout and stderr drained
 * while it runs. No timeout of its own, unlike src/adapters/process.ts's runProgram: a command of
 * a test runs as long as the test may, and the test's timeout says when that is over.
 */
export async function runCollected(
  command: string[],
  options: { env?: Record<string, string>; stdin?: string | Uint8Array } = {},
): Promise<CliResult> {
  const proc = Bun.spawn(command, {
    env: options.env,
    stdin: options.stdin === undefined ? "ignore" : new Blob([options.stdin]),
    stdout: "pipe",
    stderr: "pipe",
  });
  const [code, stdout, stderr] = await Promise.all([
    proc.exited,
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
  ]);
  return { code, stdout, stderr };
}

// biome-ignore lint/suspicious/noExplicitAny: docker inspect's JSON, from which each test reads the fields it asserts on; a missing one fails that assertion.
export async function dockerInspect(kind: "image" | "container", name: string): Promise<any | undefined> {
  const result = await sh(["docker", kind, "inspect", name]);
  return result.code === 0 ? JSON.parse(result.stdout)[0] : undefined;
}

/** A message for the user, not a crash: no stack frames, no bundle paths. */
export function expectNoStackTrace(text: string): void {
  if (/\n\s+at .*:\d+|\$bunfs|node_modules/.test(text)) throw new Error(`output contains a stack trace:\n${text}`);
}

/** `text` as a regular expression that matches it literally (xdotool's --name takes one). */
export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** A one-page PDF, a black box on white: what the tests hand to PDF viewers. */
export function makePdf(): Buffer {
  const content = "0 0 0 rg 40 250 520 400 re f\n";
  const objects = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 600 800] /Contents 4 0 R /Resources << >> >>",
    `<< /Length ${content.length} >>\nstream\n${content}endstream`,
  ];
  let out = "%PDF-1.4\n";
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, "0")} 00000 n \n`).join("")}`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, "latin1");
}
