/**
 * A recipe made from a Debian package's own metadata: which desktop entry it runs, the policy
 * its categories and dependencies call for (strict unless they say otherwise, every choice a
 * label with the reason beside it), and the Dockerfile that says all of it.
 */
import { parseDockerfile } from "../catalog/dockerfile.ts";
import { MIME_TYPE_RE, POLICY_PREFIX, parsePolicy } from "../catalog/policy.ts";
import { DockercaskError } from "../errors.ts";
import { type DesktopEntryFile, parseDesktopFile, parseExec } from "./desktop-file.ts";
import type { ProbedPackage } from "./probe.ts";
import { type DebTarget, isDesktopFileId } from "./target.ts";

export interface RunnableEntry {
  entry: DesktopEntryFile;
  argv: string[];
}

export interface EntryChoice {
  chosen: RunnableEntry;
  /** The package's other entries that could run, for `deb:<package>/<entry>`. */
  others: RunnableEntry[];
}

const APPLICATIONS = "/usr/share/applications/";

/** Why an entry is not one a window can be made of, or undefined when it is. */
function unusable(entry: DesktopEntryFile): string | undefined {
  if (!isDesktopFileId(entry.id)) return "its file name is not a desktop file ID";
  if (entry.type !== "Application") return `it is of type ${JSON.stringify(entry.type)}, not Application`;
  if (entry.terminal) return "it runs in a terminal (Terminal=true)";
  if (entry.hidden) return "it is marked Hidden";
  if (entry.noDisplay) return "it is not shown in menus (NoDisplay=true)";
  return undefined;
}

/**
 * The entry to run: the one asked for, else the package's main one (the entry whose name or
 * program is the package's), else the first by name. Refused with the reason, naming the
 * package's entries, when none can run.
 */
export function chooseEntry(pkg: ProbedPackage, target: Pick<DebTarget, "entry" | "source">): EntryChoice {
  const runnable: RunnableEntry[] = [];
  const reasons: string[] = [];
  for (const file of pkg.entries) {
    if (!file.path.startsWith(APPLICATIONS)) continue;
    const entry = parseDesktopFile(file.path, file.text);
    if (!entry) continue;
    const why = unusable(entry);
    const exec = why ? undefined : parseExec(entry);
    if (why || !exec?.ok) {
      reasons.push(plain(`${entry.id}: ${why ?? (exec && !exec.ok ? exec.problem : "")}`, 160));
      continue;
    }
    const tryExec = entry.tryExec && located([entry.tryExec], pkg.files)[0];
    runnable.push({ entry: { ...entry, tryExec }, argv: located(exec.argv, pkg.files) });
  }
  runnable.sort((a, b) => a.entry.id.localeCompare(b.entry.id));
  const refuse = (message: string, hint: string) => new DockercaskError(message, { code: "E_DEB", hint });
  if (pkg.entries.length === 0)
    throw refuse(
      `the Debian package ${pkg.package} has no desktop entry: it is not a desktop app`,
      "dockercask boxes apps with a window. A desktop app's package ships a .desktop file; its library or command-line packages do not.",
    );
  if (runnable.length === 0)
    throw refuse(
      `the Debian package ${pkg.package} has no desktop entry that opens a window (${reasons.slice(0, 8).join("; ")}${reasons.length > 8 ? "; ..." : ""})`,
      "dockercask boxes graphical apps; a program that runs in a terminal is boxed by running it in the xterm app.",
    );
  if (target.entry !== undefined) {
    const wanted = target.entry.toLowerCase();
    const chosen = runnable.find((r) => r.entry.id.toLowerCase() === wanted);
    if (!chosen)
      throw refuse(
        `the Debian package ${pkg.package} has no runnable desktop entry ${target.entry}`,
        `Its entries: ${runnable.map((r) => `deb:${pkg.package}/${r.entry.id}`).join(", ")}.`,
      );
    return { chosen, others: runnable.filter((r) => r !== chosen) };
  }
  const own = (r: RunnableEntry) =>
    r.entry.id.split(".").at(-1)!.toLowerCase() === pkg.package || programName(r.argv) === pkg.package;
  const chosen = runnable.find(own) ?? runnable[0]!;
  return { chosen, others: runnable.filter((r) => r !== chosen) };
}

/** The container's PATH (the engine's default): what a bare program name is looked up in. */
const PATH_DIRS = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];

/**
 * A program the package installs only off the PATH (games go to /usr/games) named by its full
 * path, as the menu that runs the entry on a Debian desktop would find it.
 */
function located(argv: string[], files: string[]): string[] {
  const [program, ...rest] = argv;
  if (program!.includes("/")) return argv;
  const own = new Set(files);
  if (PATH_DIRS.some((dir) => own.has(`${dir}/${program}`))) return argv;
  return own.has(`/usr/games/${program}`) ? [`/usr/games/${program}`, ...rest] : argv;
}

function programName(argv: string[]): string {
  return argv[0]!.split("/").at(-1)!;
}

/** Categories whose apps talk to the network by what they are (the Desktop Menu Specification's names). */
const NETWORK_CATEGORIES = new Set([
  "Network",
  "WebBrowser",
  "Email",
  "Chat",
  "InstantMessaging",
  "IRCClient",
  "FileTransfer",
  "News",
  "P2P",
  "RemoteAccess",
  "Dialup",
  "Feed",
  "Telephony",
  "VideoConference",
]);

/** Libraries an app links only to fetch or show what is online. */
const NETWORK_LIBRARIES: [RegExp, string][] = [
  [/^libcurl(3-gnutls|3-nss|4)$/, "libcurl, an HTTP client"],
  [/^libsoup(2\.4-1|-3\.0-0)$/, "libsoup, an HTTP client"],
  [/^libwebkit2gtk-|^libwebkitgtk-6\.0/, "WebKitGTK, a web engine"],
  [/^libqt[56]webengine/, "Qt WebEngine, a web engine"],
  [/^libqt5webkit5$/, "QtWebKit, a web engine"],
  [/^libgoa-1\.0-0/, "GNOME Online Accounts"],
  [/^libpurple0/, "libpurple, an instant messaging library"],
  [/^python3-requests$/, "requests, an HTTP client"],
];

const SOUND_CATEGORIES = new Set(["AudioVideo", "Audio", "Video"]);

export interface GeneratedLabel {
  key: string;
  value: string;
  /** The comment above it in the recipe. */
  why: string;
}

/** The policy a package's metadata calls for: strict, but for what its categories and dependencies show it needs. */
export function generatedPolicy(pkg: ProbedPackage, entry: DesktopEntryFile): GeneratedLabel[] {
  const netCategory = entry.categories.find((c) => NETWORK_CATEGORIES.has(c));
  const netLibrary = pkg.depends.flatMap((d) => {
    const hit = NETWORK_LIBRARIES.find(([re]) => re.test(d));
    return hit ? [`${d} (${hit[1]})`] : [];
  })[0];
  const sound = entry.categories.find((c) => SOUND_CATEGORIES.has(c));
  const categories = entry.categories.length ? entry.categories.join(";") : "none";
  return [
    netCategory || netLibrary
      ? {
          key: "network",
          value: "internet",
          why: netCategory
            ? `internet: its entry's category ${netCategory} is an app that talks to the network; public addresses only, never the host's services or the LAN`
            : `internet: it depends on ${netLibrary}; public addresses only, never the host's services or the LAN`,
        }
      : {
          key: "network",
          value: "none",
          why: `none: no category (${categories}) and no dependency says it talks to the network`,
        },
    {
      key: "audio",
      value: sound ? "true" : "false",
      why: sound
        ? `audio: its category ${sound} plays sound, through the instance's own socket`
        : `no audio: no category (${categories}) says it plays sound`,
    },
    { key: "microphone", value: "false", why: "no microphone: no generated app records" },
    {
      key: "clipboard",
      value: "both",
      why: "clipboard both ways, as every app; `run --clipboard` or the config narrows it",
    },
    { key: "links", value: "ask", why: "links it opens: you are asked where each goes" },
    {
      key: "files",
      value: "off",
      why: "files off: Open and Save stay in its own dialog, inside the box, until its toolkit is shown to use the host's; `ask` tries it",
    },
    { key: "notifications", value: "true", why: "notifications reach the desktop, marked with the instance's name" },
  ];
}

export interface RecipeInput {
  target: Pick<DebTarget, "source">;
  app: string;
  pkg: ProbedPackage;
  choice: EntryChoice;
  /** Whether an icon.svg goes beside the Dockerfile. */
  icon: boolean;
}

/** The Dockerfile of a generated app: readable, editable, and built like any recipe. */
export function renderRecipe({ target, app, pkg, choice, icon }: RecipeInput): string {
  const { entry, argv } = choice.chosen;
  const mimeTypes = entry.mimeTypes.filter((m) => m.length <= 100 && MIME_TYPE_RE.test(m));
  const labels: GeneratedLabel[] = [
    { key: "source", value: target.source, why: "made from a Debian package: `list` shows it" },
    { key: "description", value: `${plain(entry.name, 80) || app} (Debian package ${pkg.package})`, why: "" },
    {
      key: "command",
      value: argv.join(" "),
      why: `the command of ${entry.id}.desktop (Exec=${plain(entry.exec, 200)})`,
    },
    ...(mimeTypes.length
      ? [
          {
            key: "mime-types",
            value: mimeTypes.join(";"),
            why: "the types of file it opens, as its entry says",
          },
        ]
      : []),
    ...generatedPolicy(pkg, entry),
  ];
  const others = choice.others.map((o) => `deb:${pkg.package}/${o.entry.id}`);
  const lines = [
    `# ${app}: made by dockercask from the Debian package ${pkg.package} ${plain(pkg.version, 60)} (${target.source}).`,
    `# ${plain(pkg.summary, 120)}`,
    "# The recipe is yours to read and change: dockercask builds it as any recipe in this folder,",
    `# and \`dockercask update ${app}\` rebuilds it with the package's newest version.`,
    ...(others.length ? [`# The package's other entries: ${others.join(", ")}.`] : []),
    ...(icon ? ["# icon.svg is the package's own icon, for the menu entry."] : []),
    "FROM dockercask/base",
    "",
    `RUN dockercask-install ${pkg.package}`,
    "# The entry's program (and its TryExec), checked in the built image: the build stops here if they are not there.",
    `RUN ${[argv[0]!, ...(entry.tryExec ? [entry.tryExec] : [])].map((p) => `command -v ${shellQuote(p)} >/dev/null`).join(" && ")}`,
    "",
  ];
  for (const label of labels) {
    if (label.why) lines.push(`# ${plain(label.why, 400)}`);
    lines.push(`LABEL io.dockercask.${label.key}="${labelValue(label.value)}"`);
  }
  const text = `${lines.join("\n")}\n`;
  assertSaysOnly(text, labels);
  return text;
}

/**
 * The recipe read back as dockercask will read it: exactly its FROM, two RUNs and one LABEL
 * each, and exactly the labels meant, each valid. Anything else (text of the package that became
 * an instruction, a label or a variable) refuses it, whatever the escaping above missed.
 */
function assertSaysOnly(text: string, labels: GeneratedLabel[]): void {
  const file = parseDockerfile(text);
  const keywords = file.instructions.map((i) => i.keyword).join(" ");
  const expected = ["FROM", "RUN", "RUN", ...labels.map(() => "LABEL")].join(" ");
  const policy = parsePolicy(file.labels);
  const same =
    Object.keys(file.labels).length === labels.length &&
    labels.every((l) => file.labels[`${POLICY_PREFIX}${l.key}`] === plain(l.value, 2000));
  if (file.problems.length || keywords !== expected || !same || !policy.ok)
    throw new DockercaskError("the recipe made from the package does not read back as it was written", {
      code: "E_DEB",
      hint: `Its metadata holds something a recipe cannot say${policy.ok ? "" : ` (${policy.problems.join("; ")})`}: write the recipe by hand (docs/apps.md).`,
    });
}

/** The icon file an entry names, among the package's SVGs: its own path, or its name in hicolor's scalable apps or pixmaps. */
export function entryIcon(pkg: ProbedPackage, entry: DesktopEntryFile): string | undefined {
  const icon = entry.icon;
  if (!icon) return undefined;
  const paths = icon.startsWith("/")
    ? [icon]
    : [`/usr/share/icons/hicolor/scalable/apps/${icon}.svg`, `/usr/share/pixmaps/${icon}.svg`];
  return paths.flatMap((p) => pkg.icons.filter((i) => i.path === p).map((i) => i.text))[0];
}

/** Text from a package, on one line with no control or format characters, at most `max` characters. */
export function plain(text: string, max: number): string {
  const line = text
    .replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, " ")
    .replace(/\s+/g, " ")
    .trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** A double-quoted LABEL value: Docker's escapes for backslash, quote and `$`. */
function labelValue(value: string): string {
  return plain(value, 2000).replace(/[\\"$]/g, (c) => `\\${c}`);
}

function shellQuote(word: string): string {
  return `'${plain(word, 500).replace(/'/g, `'\\''`)}'`;
}
