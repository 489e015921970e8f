/**
 * A measurement, not a design: what one process holding N instances' idle bridges would cost
 * (issue 14, docs/benchmarks.md "One supervisor per instance or one for all"). It compiles a
 * program that keeps, per instance, an x11 XFixes clipboard watch on the desktop, a relay-shaped
 * node:net server with an upstream connection to the sound server, a dbus-daemon child with a
 * dbus-next connection owning the portal and notification names, and an Engine wait held open
 * on fetch; then reads its RSS, PSS and idle ticks for each N.
 *
 *   npx bun scripts/bench/shared-supervisor.ts [--counts 1,10] [--idle-s 20]
 *
 * Needs the test bed (DISPLAY, PULSE_SERVER: export $(bash scripts/testbed.sh)).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";

const { values: args } = parseArgs({
  options: { counts: { type: "string", default: "1,10" }, "idle-s": { type: "string", default: "20" } },
});
const counts = args.counts!.split(",").map(Number);
const idleS = Number(args["idle-s"]);
const pulse = (process.env.PULSE_SERVER ?? "").replace(/^unix:/, "");
if (!process.env.DISPLAY || !pulse)
  throw new Error("DISPLAY and PULSE_SERVER must be set: export $(bash scripts/testbed.sh)");

const PROGRAM = `
import x11 from "x11";
import dbus from "dbus-next";
import { createConnection, createServer } from "node:net";
import { writeFileSync } from "node:fs";
const [count, dir, pulse] = [Number(process.argv[2]), process.argv[3], process.argv[4]];
const daemons = [];
for (let i = 0; i < count; i++) {
  await new Promise((resolve, reject) => x11.createClient({ display: process.env.DISPLAY, disableBigRequests: true }, (error, display) => {
    if (error) return reject(error);
    const X = display.client;
    X.require("fixes", (_, fixes) => X.InternAtom(false, "CLIPBOARD", (_, atom) => { fixes.SelectSelectionInput(display.screen[0].root, atom, 7); resolve(); }));
  }));
  createServer((c) => c.pipe(createConnection(pulse)).pipe(c)).listen(dir + "/relay-" + count + "-" + i + ".sock");
  createConnection(pulse).on("data", () => {});
  const daemon = Bun.spawn(["dbus-daemon", "--session", "--nofork", "--print-address=1"], { stdout: "pipe", stderr: "ignore" });
  daemons.push(daemon.pid);
  const { value } = await daemon.stdout.getReader().read();
  const bus = dbus.sessionBus({ busAddress: new TextDecoder().decode(value).trim() });
  for (const name of ["org.freedesktop.Notifications", "org.freedesktop.portal.Desktop"]) await bus.requestName(name, 4);
  bus.addMethodHandler(() => false);
  void fetch("http://engine/events", { unix: "/var/run/docker.sock", timeout: false }).catch(() => {});
}
writeFileSync(dir + "/ready", daemons.join(" "));
await new Promise(() => {});
`;

const dir = mkdtempSync(join(tmpdir(), "dockercask-shared-"));
// Beside this script, so that x11 and dbus-next resolve from the project's node_modules.
const source = join(import.meta.dir, `.shared-supervisor-${process.pid}.tmp.ts`);
try {
  writeFileSync(source, PROGRAM);
  const outfile = join(dir, "shared");
  // The same settings as the shipped binary (scripts/build.ts), so the pages compare.
  const built = await Bun.build({
    entrypoints: [source],
    compile: { outfile, autoloadBunfig: false, autoloadDotenv: false },
    minify: true,
    bytecode: true,
    format: "esm",
  });
  rmSync(source, { force: true });
  if (!built.success) throw new Error(built.logs.map(String).join("\n"));
  const ticks = (pid: number) => {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(f[11]) + Number(f[12]);
  };
  for (const count of counts) {
    rmSync(join(dir, "ready"), { force: true });
    const proc = Bun.spawn([outfile, String(count), dir, pulse], {
      stdin: "ignore",
      stdout: "ignore",
      stderr: "inherit",
    });
    let daemons: number[] = [];
    try {
      while (!daemons.length) {
        if (proc.exitCode !== null) throw new Error(`the prototype exited with ${proc.exitCode}`);
        await Bun.sleep(50);
        try {
          daemons = readFileSync(join(dir, "ready"), "utf8").split(" ").map(Number);
        } catch {
          // Not ready yet.
        }
      }
      await Bun.sleep(3000);
      const mem = Object.fromEntries(
        readFileSync(`/proc/${proc.pid}/smaps_rollup`, "utf8")
          .split("\n")
          .slice(1)
          .filter(Boolean)
          .map((l) => [l.split(/:\s+/)[0], Number.parseInt(l.split(/:\s+/)[1]!, 10) / 1024]),
      );
      const t0 = ticks(proc.pid);
      await Bun.sleep(idleS * 1000);
      const idle = ((ticks(proc.pid) - t0) * 10 * 100) / (idleS * 1000);
      console.log(
        `${count} instances in one process: RSS ${mem.Rss!.toFixed(1)} MB, PSS ${mem.Pss!.toFixed(1)} MB, anonymous ${mem.Anonymous!.toFixed(1)} MB, idle ${idle.toFixed(2)}% of one core over ${idleS} s`,
      );
    } finally {
      for (const pid of daemons) process.kill(pid, "SIGTERM");
      proc.kill();
      await proc.exited;
    }
  }
} finally {
  rmSync(source, { force: true });
  rmSync(dir, { recursive: true, force: true });
}
