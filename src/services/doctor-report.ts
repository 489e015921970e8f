import { describeInstallCommands } from "../core/host-tools.ts";
import type { DoctorCheck, DoctorReport } from "./doctor.ts";

function mark(check: DoctorCheck): string {
  if (check.ok) return "✔";
  return check.required ? "✖" : "!";
}

/** `doctor`'s report as a person reads it: a mark, name and detail a check, the install commands, a verdict. */
export function renderReport(report: DoctorReport): string {
  const width = Math.max(...report.checks.map((c) => c.name.length));
  const lines: string[] = [];
  for (const check of report.checks) {
    lines.push(`${mark(check)} ${check.name.padEnd(width)}  ${check.detail}`);
    if (check.note) lines.push(`  ${" ".repeat(width)}  ${check.note}`);
    // A missing tool's fix is in the install commands below, for every distribution at once.
    if (!check.ok && check.fix && !report.missingTools.includes(check.name))
      lines.push(`  ${" ".repeat(width)}  ${check.fix}`);
  }
  if (report.install) {
    lines.push("", `Install the missing tools (${report.missingTools.join(", ")}):`);
    lines.push(...describeInstallCommands(report.install).map((l) => `  ${l}`));
  }
  lines.push("", verdict(report));
  return `${lines.join("\n")}\n`;
}

function verdict(report: DoctorReport): string {
  if (!report.ok) return "Not ready: fix the checks marked ✖ first.";
  if (report.checks.some((c) => !c.ok)) return "Ready to run apps; the features marked ! are off.";
  return "Ready to run apps.";
}
