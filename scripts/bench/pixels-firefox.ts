/**
 * The pixels benchmark's Firefox (scripts/bench/pixels.ts): the catalog's Firefox scrolling a
 * long generated page, inside an instance with `mit-shm = "fd"` and one with the default, and
 * the host's own Firefox on a Xephyr with MIT-SHM, each window the size of the instances'
 * screens. The page scrolls itself by 12 pixels a frame for SECONDS (requestAnimationFrame) and
 * puts its frame rate in its title; CPU is Firefox's (every process of its tree), its X server's
 * and the supervisor's, over the same seconds.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cpuSecondsOf, processTree } from "./cpu.ts";
import { fail } from "./errors.ts";
import { type Instance, startInstance } from "./instance.ts";
import { interleave, type Kind } from "./pixels-kinds.ts";
import { log, sh } from "./process.ts";
import { table } from "./report.ts";
import type { Sandbox } from "./sandbox.ts";
import { median } from "./stats.ts";

const PAGE = "bench-scroll.html";
const SCROLL_SECONDS = 20;

export interface Scroll {
  fps: number;
  firefox: number;
  xServer: number;
  supervisor: number;
}

/** The page: 4,000 coloured lines of text; after 4 s it scrolls for `seconds` and writes "done N fps" as its title. */
function scrollPage(seconds: number): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>waiting</title></head>
<body style="margin:0"><div id="c"></div><script>
let html = "";
for (let i = 0; i < 4000; i++) html += \`<p style="margin:0;padding:6px;font:16px sans-serif;background:hsl(\${(i * 7) % 360},60%,85%)">Line \${i}: the quick brown fox jumps over the lazy dog, \${"lorem ipsum dolor sit amet ".repeat(3)}</p>\`;
document.getElementById("c").innerHTML = html;
let frames = 0, t0 = null;
function step(t) {
  if (t0 === null) t0 = t;
  frames++;
  window.scrollBy(0, 12);
  if (t - t0 < ${seconds * 1000}) requestAnimationFrame(step);
  else document.title = \`done \${(frames * 1000 / (t - t0)).toFixed(1)} fps\`;
}
setTimeout(() => { document.title = "scrolling"; requestAnimationFrame(step); }, 4000);
</script></body></html>
`;
}

/** Where Firefox runs: its display and cookie, its X server, and its processes. */
interface FirefoxStage {
  display: number;
  xauthority: string;
  xServerPid: number;
  supervisorPid?: number;
  pids(): Promise<number[]>;
}

/** The window whose title matches, on that display: its title, or undefined. */
async function titleMatching(stage: FirefoxStage, pattern: string): Promise<string | undefined> {
  const env = { ...process.env, DISPLAY: `:${stage.display}`, XAUTHORITY: stage.xauthority };
  const found = await sh(["xdotool", "search", "--name", pattern], env);
  const window = found.stdout.trim().split("\n")[0];
  if (!window) return undefined;
  return (await sh(["xdotool", "getwindowname", window], env)).stdout.trim();
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) fail(`${what} did not happen in ${timeoutMs / 1000} s`);
    await Bun.sleep(100);
  }
}

/** Waits for the page to start scrolling, then measures until it says how it went. */
async function measureScroll(stage: FirefoxStage, seconds: number): Promise<Scroll> {
  await until("the page's scrolling", 90_000, () => titleMatching(stage, "^scrolling"));
  const pids = await stage.pids();
  const before = {
    firefox: cpuSecondsOf(pids),
    x: cpuSecondsOf([stage.xServerPid]),
    supervisor: cpuSecondsOf([stage.supervisorPid]),
  };
  const title = await until("the page's frame rate", (seconds + 30) * 1000, () => titleMatching(stage, "^done "));
  const fps = Number(/done ([\d.]+) fps/.exec(title)?.[1]);
  return {
    fps,
    firefox: cpuSecondsOf(pids) - before.firefox,
    xServer: cpuSecondsOf([stage.xServerPid]) - before.x,
    supervisor: cpuSecondsOf([stage.supervisorPid]) - before.supervisor,
  };
}

/** An instance's Firefox: its processes are the container's. */
function instanceStage(instance: Instance, container: string): FirefoxStage {
  const state = instance.state!;
  return {
    display: state.display!,
    xauthority: join(instance.dir, "xauth.client"),
    xServerPid: state.xephyrPid!,
    supervisorPid: instance.proc.pid,
    async pids() {
      const top = await sh(["docker", "top", container, "-eo", "pid"]);
      return top.stdout
        .split("\n")
        .slice(1)
        .map(Number)
        .filter((pid) => pid > 0);
    },
  };
}

/** The host's Firefox on a display of its own, with a fresh profile, the size of the instances' screens. */
function startHostFirefox(
  box: Sandbox,
  display: number,
  page: string,
): { stage: (xServerPid: number) => FirefoxStage; stop(): Promise<void> } {
  const profile = join(box.dir, "firefox-profile");
  mkdirSync(profile, { recursive: true });
  const program =
    Bun.which("firefox-esr") ??
    Bun.which("firefox") ??
    fail("the Firefox part needs Firefox on the host (apt-get install firefox-esr)");
  const proc = Bun.spawn(
    [
      program,
      "--no-remote",
      "--profile",
      profile,
      "-width",
      String(box.screen.width),
      "-height",
      String(box.screen.height),
      `file://${page}`,
    ],
    { env: { ...box.env, DISPLAY: `:${display}`, MOZ_ENABLE_WAYLAND: "0" }, stdout: "ignore", stderr: "ignore" },
  );
  return {
    stage: (xServerPid) => ({ display, xauthority: "/dev/null", xServerPid, pids: async () => processTree(proc.pid) }),
    async stop() {
      for (const pid of processTree(proc.pid).reverse()) {
        try {
          process.kill(pid, "SIGTERM");
        } catch {}
      }
      await proc.exited;
    },
  };
}

/** Writes the page where each Firefox will read it. */
function placePage(folders: string[], seconds: number): void {
  for (const folder of folders) writeFileSync(join(folder, PAGE), scrollPage(seconds));
}

export function firefoxReport(scrolls: Record<Kind, Scroll[]>, screen: { width: number; height: number }): string[] {
  const seconds = SCROLL_SECONDS;
  const med = (kind: Kind, part: keyof Scroll) => median(scrolls[kind].map((s) => s[part]));
  const total = (kind: Kind) => med(kind, "firefox") + med(kind, "xServer") + med(kind, "supervisor");
  const row = (label: string, kind: Kind) => [
    label,
    med(kind, "fps").toFixed(1),
    med(kind, "firefox").toFixed(2),
    med(kind, "xServer").toFixed(2),
    kind === "host" ? "-" : med(kind, "supervisor").toFixed(2),
    `${total(kind).toFixed(2)} (${(total(kind) / total("host")).toFixed(2)} x)`,
  ];
  return [
    "",
    `Firefox scrolling a long page (4,000 coloured lines) by 12 pixels a frame for ${seconds} s, its window ${screen.width}x${screen.height}; frames a second as the page counts them (requestAnimationFrame), CPU seconds over those ${seconds} s, median of ${scrolls.host.length} runs each, interleaved:`,
    "",
    table(
      ["Firefox on", "frames/s", "Firefox", "its Xephyr", "supervisor", "total"],
      [
        row("the host (Xephyr with MIT-SHM, no guard)", "host"),
        row('inside, `mit-shm = "fd"`', "fd"),
        row('inside, `mit-shm = "off"` (the default)', "off"),
      ],
    ),
  ];
}

/** Firefox scrolling, a fresh window each run: the catalog's Firefox in two instances, the host's on `display`. */
export async function scrollRounds(
  box: Sandbox,
  xServerPid: number,
  display: number,
  rounds: number,
): Promise<Record<Kind, Scroll[]>> {
  log("building Firefox");
  const built = await sh([box.bin, "build", "firefox"], box.env);
  if (built.code !== 0) fail(`dockercask build firefox failed:\n${built.stderr}`);
  const homes = join(box.env.XDG_DATA_HOME!, "dockercask/homes");
  const hostFolder = join(box.dir, "scroll");
  const folders = { fd: join(homes, "firefox#scroll-fd"), off: join(homes, "firefox#scroll-off") };
  for (const folder of [hostFolder, ...Object.values(folders)]) mkdirSync(folder, { recursive: true });
  placePage([hostFolder, ...Object.values(folders)], SCROLL_SECONDS);
  const once = async (kind: Kind): Promise<Scroll> => {
    if (kind === "host") {
      const firefox = startHostFirefox(box, display, join(hostFolder, PAGE));
      try {
        return await measureScroll(firefox.stage(xServerPid), SCROLL_SECONDS);
      } finally {
        await firefox.stop();
      }
    }
    // startInstance registers its own teardown for an interrupted run.
    const instance = startInstance(box, `firefox#scroll-${kind}`, ["--", `file:///home/app/${PAGE}`]);
    try {
      const { container } = await instance.untilRunning();
      return await measureScroll(instanceStage(instance, container), SCROLL_SECONDS);
    } finally {
      await instance.stop();
    }
  };
  return interleave(
    "firefox",
    rounds,
    once,
    (s) =>
      `${s.fps} fps, Firefox ${s.firefox.toFixed(2)} s, X ${s.xServer.toFixed(2)} s, supervisor ${s.supervisor.toFixed(2)} s`,
  );
}
