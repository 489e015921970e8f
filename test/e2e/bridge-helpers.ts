/**
 * Shared by the links and notifications suites: a recorder app (a user recipe whose command
 * writes the URLs it is asked to open into its home), and a D-Bus client that an attacker
 * inside an instance runs (fixtures/dbus-call.pl, piped into perl: nothing is added to the image;
 * it speaks D-Bus with the wire code of the instance's own xdg-open shim, which it loads).
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCollected, type Sandbox, sh } from "./helpers.ts";
import { containerId } from "./session.ts";

const DBUS_CALL = readFileSync(join(import.meta.dir, "fixtures/dbus-call.pl"), "utf8");

/**
 * A user app (`linkrec` by default): run with no argument it waits; exec'd with URLs it appends
 * each to ~/links.txt. The links suites keep it open afterwards, as a browser would (a disposable
 * one must be seen running); the bridge benchmark's (`stamped`) writes "<ns since the epoch> <url>"
 * and returns, so its exec ends at once.
 */
export function installRecorderApp(box: Sandbox, options: { name?: string; stamped?: boolean } = {}): void {
  const name = options.name ?? "linkrec";
  const dir = join(box.env.XDG_CONFIG_HOME!, "dockercask/apps", name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "Dockerfile"),
    `FROM dockercask/base
COPY ${name} /usr/local/bin/${name}
LABEL io.dockercask.description="e2e: records the links it is asked to open" \\
      io.dockercask.command="/usr/local/bin/${name}"
`,
  );
  const record = options.stamped
    ? `t=$(date +%s%N); for a in "$@"; do printf '%s %s\\n' "$t" "$a" >> "$HOME/links.txt"; done; exit 0`
    : `for a in "$@"; do printf '%s\\n' "$a" >> "$HOME/links.txt"; done`;
  writeFileSync(join(dir, name), `#!/bin/sh\nif [ "$#" -gt 0 ]; then ${record}; fi\nexec sleep infinity\n`);
  chmodSync(join(dir, name), 0o755);
}

/** The URLs the recorder instance was given, as its container wrote them into its home. */
export function recorded(box: Sandbox, instance: string): string[] {
  const file = join(box.env.XDG_DATA_HOME!, "dockercask/homes", instance, "links.txt");
  return existsSync(file) ? readFileSync(file, "utf8").split("\n").filter(Boolean) : [];
}

/** Calls a method on the instance's own bus from inside its container, as the app's user. */
export async function dbusCall(instance: string, args: string[]) {
  return runCollected(["docker", "exec", "-i", await containerId(instance), "perl", "-", ...args], {
    stdin: DBUS_CALL,
  });
}

export const NOTIFY = [
  "org.freedesktop.Notifications",
  "/org/freedesktop/Notifications",
  "org.freedesktop.Notifications",
] as const;
export const PORTAL = [
  "org.freedesktop.portal.Desktop",
  "/org/freedesktop/portal/desktop",
  "org.freedesktop.portal.OpenURI",
] as const;

/** notify-send's call: app name, replaces id, icon, summary, body, actions, hints, timeout. */
export function notifyArgs(summary: string, body = "body"): string[] {
  return [
    ...NOTIFY,
    "Notify",
    "s:app",
    "u:0",
    "s:/usr/share/icons/evil.png",
    `s:${summary}`,
    `s:${body}`,
    "as:",
    "a{sv}:",
    "i:-1",
  ];
}

/** A shell loop inside the container: `count` calls back to back, their exit codes on stdout. `@i@` in an argument is the call's number. */
export async function floodInside(instance: string, count: number, args: string[]) {
  const quoted = args.map((a) => `'${a.replace(/'/g, `'\\''`).replace(/@i@/g, `'"$i"'`)}'`).join(" ");
  const script = `cat > /tmp/dbus-call.pl; i=0; while [ $i -lt ${count} ]; do perl /tmp/dbus-call.pl ${quoted} >/dev/null 2>>/tmp/flood.err; echo $?; i=$((i+1)); done; cat /tmp/flood.err >&2`;
  const { code, stdout, stderr } = await runCollected(
    ["docker", "exec", "-i", await containerId(instance), "sh", "-c", script],
    { stdin: DBUS_CALL },
  );
  return { code, codes: stdout.split("\n").filter(Boolean).map(Number), stderr };
}

export async function xdgOpenInside(instance: string, url: string) {
  return sh(["docker", "exec", await containerId(instance), "xdg-open", url]);
}

/**
 * A PATH of one folder that holds a link to every program on `path` except `missing`: a host
 * where those tools are not installed (no zenity, no dbus-daemon), everything else as it is.
 */
export function pathWithout(dir: string, missing: string[], path = process.env.PATH ?? "/usr/bin:/bin"): string {
  mkdirSync(dir, { recursive: true });
  const linked = new Set(missing);
  for (const folder of path.split(":").filter(Boolean)) {
    let names: string[];
    try {
      names = readdirSync(folder);
    } catch {
      continue;
    }
    // The first folder's program wins, as on the PATH it copies.
    for (const name of names) {
      if (linked.has(name)) continue;
      linked.add(name);
      symlinkSync(join(folder, name), join(dir, name));
    }
  }
  return dir;
}
