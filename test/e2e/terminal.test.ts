/**
 * Terminal safety: an app that prints escape sequences must not drive the user's terminal
 * through `dockercask logs`. The app attacks from inside its container (its own stdout and
 * stderr, as any process of the app can write them); `logs` runs under a real pseudo-terminal
 * (util-linux `script`), as a user would run it. Positive controls: `logs --raw` under the same
 * terminal, and `logs` into a pipe, deliver the raw sequences, so the terminal path is real
 * and the sequences did reach dockercask.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BIN, createSandbox, type Sandbox, sh } from "./helpers.ts";
import { createAppSandbox, execIn, type RunningSession, startRun, waitFor, waitUntilClean } from "./session.ts";

const INSTANCE = "attacker#term";
const ESC = "\x1b";
const BEL = "\x07";
const LINE = 16 * 1024; // the engine's json-file driver cuts a longer line into 16 KiB log entries

// What the app prints. Each sequence is one a terminal acts on: OSC 52 sets the clipboard
// (whatever the clipboard policy says), CSI 2J clears the screen, OSC 2 sets the title.
const APP = [
  `printf 'osc52:\\033]52;c;ZG9ja2VyY2Fzaw==\\007\\n'`,
  `printf 'clear:\\033[2J\\033[H\\n'`,
  `printf 'title:\\033]2;pwned-title\\007\\n'`,
  `printf 'c1:\\302\\2332J\\n'`,
  `printf 'bidi:\\342\\200\\256evil\\n'`,
  // The ESC is the last byte of one log entry, "]52;..." the start of the next.
  `head -c ${LINE - 1} /dev/zero | tr '\\0' a; printf '\\033]52;c;c3BsaXQ=\\007\\n'`,
  // The CR ends one entry and its LF starts the next: a CR LF all the same, not a lone CR.
  `head -c ${LINE - 1} /dev/zero | tr '\\0' b; printf '\\r\\n'`,
  `printf 'stderr:\\033]52;c;ZXJy\\007\\n' >&2`,
  `echo ready`,
  // What comes once `logs -f` is already following.
  `while [ ! -e /tmp/go ]; do sleep 0.1; done`,
  `printf 'late:\\033]52;c;bGF0ZQ==\\007\\n'`,
  `exec xeyes`,
].join("\n");

/** The long split lines cut short, so that a failure message stays readable. */
const compact = (text: string) => text.replace(/([ab])\1{99,}/g, "$1$1$1$1…");

const quote = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;

/** dockercask under a real pseudo-terminal: its stdout and stderr are a TTY. */
function spawnUnderPty(box: Sandbox, args: string[]) {
  const proc = Bun.spawn(["script", "-qec", [BIN, ...args].map(quote).join(" "), "/dev/null"], {
    env: box.env,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const chunks: Buffer[] = [];
  const drained = (async () => {
    for await (const chunk of proc.stdout as ReadableStream<Uint8Array>) chunks.push(Buffer.from(chunk));
  })();
  return { proc, output: () => Buffer.concat(chunks).toString("latin1"), done: Promise.all([proc.exited, drained]) };
}

async function underPty(box: Sandbox, args: string[]): Promise<string> {
  const run = spawnUnderPty(box, args);
  await run.done;
  expect(await run.proc.exited).toBe(0);
  return run.output();
}

/** No byte a terminal would act on: C0 controls but tab/LF/CR, DEL, C1 (as bytes: every 0x80-0x9f). */
function expectInert(text: string): void {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the assertion is that none of these control bytes reaches the terminal.
  const live = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/.exec(text);
  if (live)
    throw new Error(
      `a control byte 0x${live[0].charCodeAt(0).toString(16)} reached the terminal at ${live.index}: ${JSON.stringify(text.slice(Math.max(0, live.index - 40), live.index + 40))}`,
    );
  // latin1-decoded UTF-8: U+009B is C2 9B, U+202E is E2 80 AE.
  expect(text).not.toContain("\xc2\x9b");
  expect(text).not.toContain("\xe2\x80\xae");
}

let box: Sandbox;
let session: RunningSession;

beforeAll(async () => {
  box = await createAppSandbox("terminal");
  session = await startRun(box, INSTANCE, ["--", "sh", "-c", APP]);
  await waitFor(
    "the app to print its escapes",
    async () => (await box.run(["logs", INSTANCE])).stdout.includes("ready") || undefined,
  );
}, 600_000);

afterAll(async () => {
  if (session) {
    await box.run(["stop", INSTANCE]);
    await session.exited;
    expect(await waitUntilClean(box, INSTANCE)).toEqual([]);
  }
  box?.cleanup();
});

describe("logs on a terminal", () => {
  test("shows the app's escape sequences visibly and gives the terminal none of them", async () => {
    const full = await underPty(box, ["logs", INSTANCE]);
    expectInert(full);
    const out = compact(full);
    expect(out).toContain(`osc52:\\e]52;c;ZG9ja2VyY2Fzaw==\\x07`);
    expect(out).toContain(`clear:\\e[2J\\e[H`);
    expect(out).toContain(`title:\\e]2;pwned-title\\x07`);
    expect(out).toContain(`c1:\\u009b2J`);
    expect(out).toContain(`bidi:\\u202eevil`);
    expect(out).toContain(`stderr:\\e]52;c;ZXJy\\x07`);
    // Split across two log entries, and still caught; the split CR LF is no lone CR.
    expect(out).toContain(`aaaa…\\e]52;c;c3BsaXQ=\\x07`);
    expect(out).toContain("bbbb…\r");
    expect(out).not.toContain("bbbb…\\r");
  });

  test("the split cases really are split: the engine hands them over in two entries", async () => {
    // The control for the test above: if the engine stopped cutting long lines, the
    // split cases would test nothing, and this says so.
    const id = (await sh(["docker", "ps", "-q", "--filter", `label=io.dockercask.instance=${INSTANCE}`])).stdout.trim();
    const entries = entriesOf(await rawLogs(id));
    expect(entries.some((e) => e.endsWith(`a${ESC}`))).toBe(true);
    expect(entries.some((e) => e.startsWith(`]52;c;c3BsaXQ=${BEL}`))).toBe(true);
    expect(entries.some((e) => e.endsWith("b\r"))).toBe(true);
    expect(entries).toContain("\n");
  });

  test("--raw on the same terminal gives the exact bytes (the control)", async () => {
    const out = compact(await underPty(box, ["logs", "--raw", INSTANCE]));
    expect(out).toContain(`osc52:${ESC}]52;c;ZG9ja2VyY2Fzaw==${BEL}`);
    expect(out).toContain(`clear:${ESC}[2J${ESC}[H`);
    expect(out).toContain(`title:${ESC}]2;pwned-title${BEL}`);
    expect(out).toContain(`c1:\xc2\x9b2J`);
  });

  test("-f follows, and what the app prints while it follows is shown visibly too", async () => {
    const follow = spawnUnderPty(box, ["logs", "-f", INSTANCE]);
    try {
      await waitFor("logs -f to print what came before", () => follow.output().includes("ready") || undefined, 60_000);
      expect((await execIn(INSTANCE, ["touch", "/tmp/go"])).code).toBe(0);
      await waitFor(
        "logs -f to print what the app printed since",
        () => follow.output().includes("late:") || undefined,
        60_000,
      );
      // The line may still be arriving: wait for its end before judging it.
      const out = await waitFor(
        "the late line to end",
        () => (/late:[^\n]*\n/.test(follow.output()) ? follow.output() : undefined),
        60_000,
      );
      expectInert(out);
      expect(compact(out)).toContain(`late:\\e]52;c;bGF0ZQ==\\x07`);
      expect(out).toContain(`osc52:\\e]52;c;ZG9ja2VyY2Fzaw==\\x07`);
    } finally {
      follow.proc.kill();
      await follow.done;
    }
  });
});

describe("logs into a pipe", () => {
  test("gets the exact bytes, on stdout and stderr", async () => {
    const result = await box.run(["logs", INSTANCE]);
    expect(result.code).toBe(0);
    result.stdout = compact(result.stdout);
    expect(result.stdout).toContain(`osc52:${ESC}]52;c;ZG9ja2VyY2Fzaw==${BEL}\n`);
    expect(result.stdout).toContain(`clear:${ESC}[2J${ESC}[H\n`);
    expect(result.stdout).toContain(`title:${ESC}]2;pwned-title${BEL}\n`);
    expect(result.stdout).toContain(`c1:\u009b2J\n`);
    expect(result.stdout).toContain(`bidi:\u202eevil\n`);
    expect(result.stdout).toContain(`aaaa…${ESC}]52;c;c3BsaXQ=${BEL}\n`);
    expect(result.stderr).toContain(`stderr:${ESC}]52;c;ZXJy${BEL}\n`);
  });
});

describe("labels a recipe controls", () => {
  let labels: Sandbox;
  beforeAll(() => {
    labels = createSandbox("terminal-labels");
    const dir = (name: string) => {
      const path = join(labels.env.XDG_CONFIG_HOME!, "dockercask/apps", name);
      mkdirSync(path, { recursive: true });
      return path;
    };
    // Nothing is built: list and the policy check read the recipe itself.
    writeFileSync(
      join(dir("evildesc"), "Dockerfile"),
      `FROM dockercask/base\nLABEL io.dockercask.description="nice ${ESC}]52;c;ZGVzYw==${BEL} \u202etxt.exe" io.dockercask.command="true"\n`,
    );
    writeFileSync(
      join(dir("evillabel"), "Dockerfile"),
      `FROM dockercask/base\nLABEL io.dockercask.x${ESC}]2;pwned${BEL}="1" io.dockercask.command="true"\n`,
    );
  });
  afterAll(() => labels?.cleanup());

  test("list shows a description's escapes visibly on a terminal, exactly in a pipe", async () => {
    const tty = await underPty(labels, ["list"]);
    expectInert(tty);
    expect(tty).toContain(`nice \\e]52;c;ZGVzYw==\\x07 \\u202etxt.exe`);
    const pipe = await labels.run(["list"]);
    expect(pipe.stdout).toContain(`nice ${ESC}]52;c;ZGVzYw==${BEL} \u202etxt.exe`);
  });

  test("an error quoting a label shows its escapes visibly on a terminal, exactly in a pipe", async () => {
    const run = spawnUnderPty(labels, ["build", "evillabel"]);
    await run.done;
    const tty = run.output();
    expectInert(tty);
    expect(tty).toContain(`unknown label io.dockercask.x\\e]2;pwned\\x07`);
    const pipe = await labels.run(["build", "evillabel"]);
    expect(pipe.code).not.toBe(0);
    expect(pipe.stderr).toContain(`unknown label io.dockercask.x${ESC}]2;pwned${BEL}`);
  });
});

/** The container's stdout as the Engine API sends it: 8-byte-headed frames, one per log entry. */
async function rawLogs(id: string): Promise<Buffer> {
  const socket = process.env.DOCKER_HOST?.replace("unix://", "") || "/var/run/docker.sock";
  const proc = Bun.spawn(["curl", "-sf", "--unix-socket", socket, `http://localhost/containers/${id}/logs?stdout=1`], {
    stdout: "pipe",
  });
  const body = Buffer.from(await new Response(proc.stdout).arrayBuffer());
  expect(await proc.exited).toBe(0);
  return body;
}

function entriesOf(frames: Buffer): string[] {
  const entries: string[] = [];
  for (let offset = 0; offset + 8 <= frames.length; ) {
    const size = frames.readUInt32BE(offset + 4);
    entries.push(frames.subarray(offset + 8, offset + 8 + size).toString("latin1"));
    offset += 8 + size;
  }
  return entries;
}
