import { defineCommand } from "citty";
import { log } from "../adapters/log.ts";
import { splitAtDashDash } from "../core/argv.ts";
import {
  CLIPBOARD_POLICIES,
  type ClipboardPolicy,
  FILES_POLICIES,
  type FilesPolicy,
  MIT_SHM_POLICIES,
  type MitShmPolicy,
  NETWORKS,
  type Network,
} from "../core/catalog/policy.ts";
import { LINKS_FORMS, parseLinksPolicy } from "../core/desktop-bus/links.ts";
import { UsageError } from "../core/errors.ts";
import { parseRunTarget } from "../core/instance/name.ts";
import { explainInvalidSize, MAX_DPI, MIN_DPI, parseSizeSpec } from "../core/x11/window-size.ts";
import { type RunOptions, runSession } from "../services/session/run.ts";
import { createContext } from "./_context.ts";
import { configuredFor, disposableArg, instanceArg } from "./_shared.ts";

export default defineCommand({
  meta: {
    name: "run",
    description: "Run an instance in its own Xephyr window (adds it and builds its image when needed)",
  },
  args: {
    ...instanceArg,
    size: {
      type: "string",
      valueHint: "WxH",
      description: "Window size (default: 90% of your screen, or the config's)",
    },
    dpi: { type: "string", valueHint: "N", description: "Screen DPI inside the window (default: your screen's)" },
    network: { type: "enum", options: [...NETWORKS], description: "Override the app's network policy" },
    clipboard: { type: "enum", options: [...CLIPBOARD_POLICIES], description: "Override the app's clipboard policy" },
    files: {
      type: "enum",
      options: [...FILES_POLICIES],
      description: "Open and Save through your desktop's own file dialog (ask), or only the app's own (off)",
    },
    "mit-shm": {
      type: "enum",
      options: [...MIT_SHM_POLICIES],
      description:
        "Images shared with the X server by descriptor, at host speed (fd), or through its socket (off, the default; fd lets the X server hold memory beyond the app's limit)",
    },
    build: {
      type: "boolean",
      default: true,
      description: "Build the app's image first when it is missing or its recipe changed",
      negativeDescription: "Run the existing image, even a stale one (with a warning)",
    },
    links: { type: "string", valueHint: "POLICY", description: `Where links opened inside go: ${LINKS_FORMS}` },
    audio: {
      type: "boolean",
      description: "Sound through the instance's own PulseAudio socket, even for an app that has none by default",
      negativeDescription: "No sound for this run: no socket is mounted",
    },
    microphone: {
      type: "boolean",
      description: "Let the app record from your default sound source (never a monitor of what plays)",
      negativeDescription: "No recording for this run, whatever the app's policy says",
    },
    ...disposableArg,
  },
  async run({ args, rawArgs }) {
    const appArgs = splitAtDashDash(rawArgs).after ?? [];
    const extra = args._.slice(1, args._.length - appArgs.length);
    if (extra.length)
      throw new UsageError(
        `unexpected argument "${extra[0]}"`,
        `Arguments for the app go after "--": dockercask run ${args.instance} -- ${extra.join(" ")}`,
      );

    const ctx = createContext();
    const target = parseRunTarget(await ctx.resolveApp(args.instance), args.disposable);
    const options: RunOptions = {
      appArgs,
      configured: configuredFor(ctx.config(), target),
      size: parseSize(args.size),
      dpi: parseDpi(args.dpi),
      network: args.network as Network | undefined,
      clipboard: args.clipboard as ClipboardPolicy | undefined,
      files: args.files as FilesPolicy | undefined,
      mitShm: args["mit-shm"] as MitShmPolicy | undefined,
      audio: args.audio as boolean | undefined,
      microphone: args.microphone as boolean | undefined,
      noBuild: args.build === false,
      links: parseLinks(args.links),
    };
    const result = await runSession(target, ctx.sessionDeps(), options);
    const why = { "app-exited": "the app exited", "window-closed": "its window was closed", signal: "it was stopped" }[
      result.reason
    ];
    log.info(`${result.instance} ended: ${why}`);
    process.exitCode = result.exitCode;
  },
});

function parseSize(text: string | undefined) {
  if (text === undefined) return undefined;
  const size = parseSizeSpec(text);
  const problem = size ? explainInvalidSize(size) : "it is not WIDTHxHEIGHT";
  if (!size || problem) throw new UsageError(`invalid --size "${text}": ${problem}`, "For example --size 1600x900.");
  return size;
}

function parseLinks(text: string | undefined) {
  if (text === undefined) return undefined;
  const links = parseLinksPolicy(text);
  if (!links.ok)
    throw new UsageError(
      `invalid --links "${text}": ${links.problem}`,
      "For example --links host, --links firefox#work or --links off.",
    );
  return links.policy;
}

function parseDpi(text: string | undefined) {
  if (text === undefined) return undefined;
  const dpi = Number(text);
  if (!Number.isInteger(dpi) || dpi < MIN_DPI || dpi > MAX_DPI)
    throw new UsageError(
      `invalid --dpi "${text}"`,
      `A whole number from ${MIN_DPI} to ${MAX_DPI}, for example --dpi 144.`,
    );
  return dpi;
}
