/**
 * The pixels benchmark's video (scripts/bench/pixels.ts): mpv playing a test video made by
 * ffmpeg's test source, the size of the instances' screens (so no one scales it), through its
 * X11 output (software, MIT-SHM when it can), for SECONDS, once on the host's Xephyr and once
 * in each instance. What it costs: the player's CPU (bash's `times` around it), its X server's
 * and, for an instance, its supervisor's (from /proc), and the frames mpv dropped (its own
 * counters, read by a Lua script just before it quits).
 */
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cpuSecondsOf } from "./cpu.ts";
import { fail } from "./errors.ts";
import type { Instance } from "./instance.ts";
import { interleave, type Kind } from "./pixels-kinds.ts";
import { log, sh } from "./process.ts";
import { table } from "./report.ts";
import type { Sandbox } from "./sandbox.ts";
import { median } from "./stats.ts";

export const VIDEO = "bench-video.mp4";
const SCRIPT = "bench-drops.lua";

/** What one playback cost, CPU in seconds. */
export interface Playback {
  player: number;
  xServer: number;
  supervisor: number;
  dropped: number;
}

/** A place to play: its display, its X server's pid, and how to run a command there. */
export interface Stage {
  /** The folder the player sees as its working directory (an instance's home, on the host). */
  folder: string;
  xServerPid: number;
  supervisorPid?: number;
  run(command: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
}

/**
 * The video, played `rounds` times on each: the host's mpv on the host's Xephyr, each
 * instance's inside. The video is made once and put into the instances' homes.
 */
export async function playVideos(
  box: Sandbox,
  options: {
    image: string;
    seconds: number;
    rounds: number;
    host: { xServerPid: number; display: number };
    inside: (kind: "fd" | "off") => { instance: Instance; container: string; home: string };
  },
): Promise<Record<Kind, Playback[]>> {
  const hostFolder = join(box.dir, "video");
  mkdirSync(hostFolder);
  log(`making a ${box.screen.width}x${box.screen.height} test video of ${options.seconds} s`);
  await makeVideo(box, options.image, hostFolder, options.seconds);
  const homes = join(box.env.XDG_DATA_HOME!, "dockercask/homes");
  const inside = (kind: "fd" | "off"): Stage => {
    const { instance, container, home } = options.inside(kind);
    copyVideo(hostFolder, join(homes, home));
    return {
      folder: "/home/app",
      xServerPid: instance.state!.xephyrPid!,
      supervisorPid: instance.proc.pid,
      run: (command) => sh(["docker", "exec", container, ...command]),
    };
  };
  const stages: Record<Kind, Stage> = {
    host: {
      folder: hostFolder,
      xServerPid: options.host.xServerPid,
      run: (command) => sh(command, { ...box.env, DISPLAY: `:${options.host.display}` }),
    },
    fd: inside("fd"),
    off: inside("off"),
  };
  return interleave(
    "video",
    options.rounds,
    (kind) => play(stages[kind]),
    (p) =>
      `player ${p.player.toFixed(2)} s, X ${p.xServer.toFixed(2)} s, supervisor ${p.supervisor.toFixed(2)} s, dropped ${p.dropped}`,
  );
}

/** Makes the video (in the app's image, which has ffmpeg) and the drop counter into `folder`. */
async function makeVideo(box: Sandbox, image: string, folder: string, seconds: number): Promise<void> {
  const { width, height } = box.screen;
  const made = await sh([
    "docker",
    "run",
    "--rm",
    "--network",
    "none",
    "--user",
    `${process.getuid!()}:${process.getgid!()}`,
    "-v",
    `${folder}:/out`,
    "--entrypoint",
    "ffmpeg",
    image,
    ...["-loglevel", "error", "-f", "lavfi", "-i", `testsrc2=size=${width}x${height}:rate=30`, "-t", String(seconds)],
    ...["-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", `/out/${VIDEO}`],
  ]);
  if (made.code !== 0) fail(`ffmpeg could not make the test video:\n${made.stderr}`);
  writeFileSync(
    join(folder, SCRIPT),
    `mp.add_timeout(${seconds - 1}, function()
  io.stdout:write(string.format("dropped %d\\n", (mp.get_property_number("frame-drop-count") or 0) + (mp.get_property_number("decoder-frame-drop-count") or 0)))
  io.stdout:flush()
  mp.command("quit")
end)
`,
  );
}

/** Puts the video and the script made in `from` into `to`. */
function copyVideo(from: string, to: string): void {
  for (const file of [VIDEO, SCRIPT]) copyFileSync(join(from, file), join(to, file));
}

/** bash's `times`, second line (the children's): "0m1.234s 0m0.456s". */
export function parseTimes(output: string): number | undefined {
  const match = /(\d+)m([\d.]+)s\s+(\d+)m([\d.]+)s\s*$/.exec(output.trim());
  return match ? Number(match[1]) * 60 + Number(match[2]) + Number(match[3]) * 60 + Number(match[4]) : undefined;
}

async function play(stage: Stage): Promise<Playback> {
  const { folder } = stage;
  const x0 = cpuSecondsOf([stage.xServerPid]);
  const s0 = cpuSecondsOf([stage.supervisorPid]);
  const mpv = `mpv --no-config --really-quiet --vo=x11 --no-audio --hwdec=no --geometry=+0+0 --script=${SCRIPT} ${VIDEO}`;
  const result = await stage.run(["bash", "-c", `cd '${folder}' && ${mpv}; times`]);
  const dropped = /dropped (\d+)/.exec(result.stdout);
  const player = parseTimes(result.stdout);
  if (result.code !== 0 || !dropped || player === undefined)
    fail(`mpv did not play the video (${result.code}):\n${result.stdout}\n${result.stderr}`);
  return {
    player,
    xServer: cpuSecondsOf([stage.xServerPid]) - x0,
    supervisor: cpuSecondsOf([stage.supervisorPid]) - s0,
    dropped: Number(dropped[1]),
  };
}

/** The video's table: CPU seconds per playback (median of the rounds) and frames dropped. */
export function videoReport(
  videos: Record<Kind, Playback[]>,
  seconds: number,
  screen: { width: number; height: number },
): string[] {
  const med = (kind: Kind, part: keyof Playback) => median(videos[kind].map((p) => p[part]));
  const total = (kind: Kind) => med(kind, "player") + med(kind, "xServer") + med(kind, "supervisor");
  const row = (label: string, kind: Kind) => [
    label,
    med(kind, "player").toFixed(2),
    med(kind, "xServer").toFixed(2),
    kind === "host" ? "-" : med(kind, "supervisor").toFixed(2),
    `${total(kind).toFixed(2)} (${(total(kind) / total("host")).toFixed(2)} x)`,
    String(Math.max(...videos[kind].map((p) => p.dropped))),
  ];
  const ratio = total("fd") / total("host");
  return [
    "",
    `mpv \`--vo=x11\` (software, MIT-SHM when it can) playing a ${screen.width}x${screen.height} 30 fps test video (ffmpeg's testsrc2, H.264) for ${seconds} s, the size of the screen so nothing scales it; CPU seconds, median of ${videos.host.length} playbacks each, interleaved; dropped frames, the most of any playback:`,
    "",
    table(
      ["player on", "mpv", "its Xephyr", "supervisor", "total", "dropped"],
      [
        row("the host (Xephyr with MIT-SHM, no guard)", "host"),
        row('inside, `mit-shm = "fd"`', "fd"),
        row('inside, `mit-shm = "off"` (the default)', "off"),
      ],
    ),
    "",
    `The video's total CPU inside with \`fd\`: ${ratio.toFixed(2)} x the host's; target <= 1.2 x with no more frames dropped: ${ratio <= 1.2 && Math.max(...videos.fd.map((p) => p.dropped)) <= Math.max(...videos.host.map((p) => p.dropped)) ? "PASS" : "FAIL"}.`,
  ];
}
