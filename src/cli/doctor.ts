import { defineCommand } from "citty";
import { createDoctorProbe } from "../adapters/doctor-probe.ts";
import { describeInstallCommands } from "../core/host-tools.ts";
import { runDoctor, type DoctorCheck, type DoctorReport } from "../services/doctor.ts";
import { jsonArg } from "./_shared.ts";
import { createContext } from "./_context.ts";

export default defineCommand({
  meta: { name: "doctor", description: "Check that this host has what dockercask needs, and say how to fix what is missing" },
  args: { ...jsonArg },
  async run({ args }) {
    const context = createContext();
    // Like run, ps and stop: clean up after dead supervisors first (it works without Docker too).
    await context.reap();
    const report = await runDoctor(createDoctorProbe(process.env, context.endpoint));
    process.stdout.write(args.json ? `${JSON.stringify(report, null, 2)}\n` : renderReport(report));
    // A report, not an error: it has already said what is wrong, so main.ts has nothing to add.
    if (!report.ok) process.exitCode = 1;
  },
});

function mark(check: DoctorCheck): string {
  if (check.ok) return "✔";
  return check.required ? "✖" : "!";
}

export function renderReport(report: DoctorReport): string {
  const width = Math.max(...report.checks.map((c) => c.name.length));
  const lines: string[] = [];
  for (const check of report.checks) {
    lines.push(`${mark(check)} ${check.name.padEnd(width)}  ${check.detail}`);
    if (check.note) lines.push(`  ${" ".repeat(width)}  ${check.note}`);
    // A missing tool's fix is in the install commands below, for every distribution at once.
    if (!check.ok && check.fix && !report.missingTools.includes(check.name)) lines.push(`  ${" ".repeat(width)}  ${check.fix}`);
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
