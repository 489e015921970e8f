/** The report: tables as docs/benchmarks.md shows them, the machine it ran on, and each part's section written between its markers. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, release } from "node:os";
import { join } from "node:path";
import { sh, shChecked } from "./process.ts";
import { median, percentile } from "./stats.ts";

const ROOT = join(import.meta.dir, "../..");
const DOC_TITLE = "# Benchmarks\n";

export const ms = (x: number) => x.toFixed(1);

/** A row of timings under the header ["", "median", "p90", "min", "max"]. */
export function timingRow(label: string, xs: number[]): string[] {
  return [label, ms(median(xs)), ms(percentile(xs, 90)), ms(Math.min(...xs)), ms(Math.max(...xs))];
}

export function table(header: string[], rows: string[][]): string {
  const lines = [header, header.map((h) => "-".repeat(Math.max(3, h.length))), ...rows];
  const widths = header.map((_, i) => Math.max(...lines.map((r) => r[i]!.length)));
  return lines
    .map((r) => `| ${r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(" | ")} |`)
    .join("\n");
}

/** What the results depend on: the date, the versions, the machine; as the lines each section starts with. */
export async function machineLines(bin: string): Promise<string> {
  const cpuModel =
    /^model name\s*:\s*(.+)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? cpus()[0]?.model ?? "unknown";
  const dockerVersion = await shChecked(["docker", "version", "--format", "{{.Server.Version}}"]).catch(
    () => "unknown",
  );
  // Xephyr has no --version; the Debian package says which server it is.
  const xephyrVersion =
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a dpkg-query format field, not a JS placeholder.
    (await sh(["dpkg-query", "-W", "-f", "${Version}", "xserver-xephyr"]).catch(() => undefined))?.stdout.trim() ||
    "unknown";
  const version = (await shChecked([bin, "--version"])).replace(/^dockercask /, "");
  return [
    `- date: ${new Date().toISOString().replace(/\.\d+Z$/, "Z")}`,
    `- dockercask ${version}, Bun ${Bun.version}`,
    `- machine: ${cpus().length} CPUs (\`nproc\`), ${cpuModel}, kernel ${release()}, Docker ${dockerVersion}, Xephyr ${xephyrVersion}`,
  ].join("\n");
}

/** Puts `block` between `markers` in docs/benchmarks.md; a file without them gets `missing` (the section's text) and the block at its end. */
export function writeDoc(block: string, markers: readonly [string, string], missing: string): void {
  const file = join(ROOT, "docs/benchmarks.md");
  let text = existsSync(file) ? readFileSync(file, "utf8") : DOC_TITLE;
  const start = text.indexOf(markers[0]);
  const end = text.indexOf(markers[1]);
  text =
    start === -1 || end === -1
      ? `${text.trimEnd()}\n\n${missing.trimStart()}\n${block}\n`
      : `${text.slice(0, start)}${block}${text.slice(end + markers[1].length)}`;
  mkdirSync(join(ROOT, "docs"), { recursive: true });
  writeFileSync(file, text.trimStart());
}
