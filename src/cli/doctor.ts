import { defineCommand } from "citty";
import { createDoctorProbe } from "../adapters/doctor-probe.ts";
import { runDoctor } from "../services/doctor.ts";
import { renderReport } from "../services/doctor-report.ts";
import { createContext } from "./_context.ts";
import { jsonArg } from "./_shared.ts";

export default defineCommand({
  meta: {
    name: "doctor",
    description: "Check that this host has what dockercask needs, and say how to fix what is missing",
  },
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
