/**
 * `dockercask open`: files are copied into the instance's ~/Inbox (never mounted from where
 * they are) and its app is asked to open them; URLs pass as one argv element. Refusals for
 * special files, sizes over the cap and schemes other than http, https and mailto.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ARTIFACTS, BIN, expectNoStackTrace, makePdf, type Sandbox, sh } from "./helpers.ts";
import { createAppSandbox, waitFor, waitUntilClean } from "./session.ts";

let box: Sandbox;
let files: string;
beforeAll(async () => {
  box = await createAppSandbox("open", ["evince"]);
  files = join(box.dir, "files");
  mkdirSync(files, { recursive: true });
  mkdirSync(ARTIFACTS, { recursive: true });
});
afterAll(() => box.cleanup());

/** A one-page PDF, written by hand: a large black block on a white page. */
const sha256 = (data: Buffer | string) => createHash("sha256").update(data).digest("hex");
const container = async (instance: string) =>
  (await sh(["docker", "ps", "-q", "--filter", `label=io.dockercask.instance=${instance}`])).stdout.trim();
/** sha256 of a file as the app sees it, inside its container. */
const shaInside = async (instance: string, path: string) =>
  (await sh(["docker", "exec", await container(instance), "sha256sum", path])).stdout.split(" ")[0];
/**
 * Whether the instance's display shows the test PDF: its black block (a share of near-black
 * pixels) on its white page (a share of near-white ones). Neither an empty display (all black,
 * before the app paints) nor evince's own window without the document (grey, no black) passes.
 */
async function showsThePdf(instance: string, display: number, shot: string, title?: string): Promise<boolean> {
  const xauthority = join(box.env.XDG_RUNTIME_DIR!, "dockercask", instance, "xauth.client");
  const env = { DISPLAY: `:${display}`, XAUTHORITY: xauthority };
  // Given several files, evince opens a window for each, in no fixed order: bring the PDF's up.
  if (title) await sh(["xdotool", "search", "--name", title, "windowactivate", "--sync"], env);
  await sh(["import", "-window", "root", shot], env);
  const share = async (threshold: string, fx: string) =>
    Number(
      (
        await sh([
          "/usr/bin/convert",
          shot,
          "-colorspace",
          "Gray",
          "-threshold",
          threshold,
          "-format",
          `%[fx:${fx}]`,
          "info:",
        ])
      ).stdout.trim(),
    );
  const black = await share("10%", "1-mean");
  const white = await share("95%", "mean");
  return black > 0.05 && white > 0.2;
}

interface Opened {
  instance: string;
  display: number;
  proc: ReturnType<typeof Bun.spawn>;
  exited: Promise<number>;
}

/** `open` that starts its instance: this process supervises it, so it runs on in the background. */
async function openStarting(args: string[]): Promise<Opened> {
  const proc = Bun.spawn([BIN, "open", ...args], { env: box.env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  let text = "";
  void (async () => {
    for await (const chunk of proc.stderr as ReadableStream<Uint8Array>) text += new TextDecoder().decode(chunk);
  })();
  let done = false;
  const exited = proc.exited.then((code) => {
    done = true;
    return code;
  });
  const [instance, display] = await waitFor(
    `open ${args.join(" ")} to start its instance`,
    () => {
      if (done) throw new Error(`open exited early:\n${text}`);
      const match = /(\S+) is running on display :(\d+)/.exec(text);
      return match && text.includes("opens ") ? ([match[1]!, Number(match[2])] as const) : undefined;
    },
    300_000,
  );
  return { instance, display, proc, exited };
}

describe("open", () => {
  test("a text file and a PDF into a stopped instance: it starts, the bytes arrive intact in ~/Inbox, and evince shows the PDF", async () => {
    const pdf = makePdf();
    const text = "héllo from the host\n".repeat(100);
    writeFileSync(join(files, "doc.pdf"), pdf);
    writeFileSync(join(files, "notes.txt"), text);
    const session = await openStarting(["evince#open", join(files, "doc.pdf"), join(files, "notes.txt")]);
    try {
      expect(await shaInside("evince#open", "/home/app/Inbox/doc.pdf")).toBe(sha256(pdf));
      expect(await shaInside("evince#open", "/home/app/Inbox/notes.txt")).toBe(sha256(text));
      // Copied, not mounted: no host path of the files is anywhere in the container's mounts.
      const mounts = (await sh(["docker", "exec", await container("evince#open"), "cat", "/proc/self/mountinfo"]))
        .stdout;
      expect(mounts).not.toContain(files);
      // The app's first argument is the PDF: evince draws its black block.
      const shot = join(ARTIFACTS, "open-evince-pdf.png");
      await waitFor("evince to show the PDF", () => showsThePdf("evince#open", session.display, shot, "doc.pdf"));
    } finally {
      await box.run(["stop", "evince#open"]);
      await session.exited;
    }
    expect(await waitUntilClean(box, "evince#open")).toEqual([]);
  });

  test("into a running instance: the file arrives beside the old one under a name of its own, intact, and the app is asked again", async () => {
    const first = "first\n";
    writeFileSync(join(files, "same.txt"), first);
    const session = await openStarting(["evince#running", join(files, "same.txt")]);
    try {
      const second = "second, a different file of the same name\n";
      writeFileSync(join(files, "same.txt"), second);
      const result = await box.run(["open", "evince#running", join(files, "same.txt")]);
      expect(result.code).toBe(0);
      expect(result.stderr).toContain("evince#running opens /home/app/Inbox/same-1.txt");
      expect(await shaInside("evince#running", "/home/app/Inbox/same.txt")).toBe(sha256(first));
      expect(await shaInside("evince#running", "/home/app/Inbox/same-1.txt")).toBe(sha256(second));
      // Asked again: a second evince runs with the new path as its argument.
      const ps = await sh(["docker", "exec", await container("evince#running"), "ps", "-eo", "args"]);
      expect(ps.stdout).toContain("evince /home/app/Inbox/same-1.txt");
      const owner = await sh([
        "docker",
        "exec",
        await container("evince#running"),
        "stat",
        "-c",
        "%U %a",
        "/home/app/Inbox/same-1.txt",
      ]);
      expect(owner.stdout.trim()).toBe("app 600");
    } finally {
      await box.run(["stop", "evince#running"]);
      await session.exited;
    }
  });

  test("--disposable: a new evince#tmp-<n> opens the PDF, and nothing is left once it is stopped", async () => {
    const pdf = makePdf();
    writeFileSync(join(files, "throwaway.pdf"), pdf);
    const session = await openStarting(["--disposable", "evince", join(files, "throwaway.pdf")]);
    expect(session.instance).toMatch(/^evince#tmp-\d+$/);
    try {
      expect(await shaInside(session.instance, "/home/app/Inbox/throwaway.pdf")).toBe(sha256(pdf));
      // The start marker is gone once the app has started.
      const inbox = await sh(["docker", "exec", await container(session.instance), "ls", "-A", "/home/app/Inbox"]);
      expect(inbox.stdout.trim()).toBe("throwaway.pdf");
      await waitFor("evince to show the PDF", () =>
        showsThePdf(session.instance, session.display, join(ARTIFACTS, "open-disposable.png")),
      );
    } finally {
      await box.run(["stop", session.instance]);
      await session.exited;
    }
    expect(await waitUntilClean(box, session.instance)).toEqual([]);
    expect(existsSync(join(box.env.XDG_DATA_HOME!, "dockercask", "homes", session.instance))).toBe(false);
  });
});

describe("open refuses, before anything starts", () => {
  const refused = async (args: string[], message: RegExp, env: Record<string, string> = {}) => {
    const result = await box.run(["open", ...args], { env });
    expect(result.stderr).toMatch(message);
    expect(result.code).toBe(2);
    expectNoStackTrace(result.stderr);
    expect(existsSync(join(box.env.XDG_RUNTIME_DIR!, "dockercask", "evince#refused"))).toBe(false);
    expect(await container("evince#refused")).toBe("");
  };

  test("a FIFO (and does not hang on it)", async () => {
    const fifo = join(files, "pipe");
    await sh(["mkfifo", fifo]);
    await refused(["evince#refused", fifo], /it is a FIFO/);
  });

  test.each([
    ["a file: URL", "file:///etc/passwd", /file: URLs would name host paths/],
    ["a javascript: URL", "javascript:alert(document.cookie)", /javascript: URLs are not carried/],
    ["a URL with a control character", "https://example.org/\u001b[2J", /control character/],
  ])("%s", async (_, url, message) => {
    await refused(["evince#refused", url], message);
  });

  test("a file over open-max from the config, while one under it is taken (the control)", async () => {
    const config = join(box.env.XDG_CONFIG_HOME!, "dockercask");
    mkdirSync(config, { recursive: true });
    writeFileSync(join(config, "config.toml"), '[defaults]\nopen-max = "1k"\n');
    try {
      writeFileSync(join(files, "big.bin"), Buffer.alloc(2048, 7));
      await refused(["evince#refused", join(files, "big.bin")], /2 KiB; the limit is 1 KiB/);
      // Two files that fit alone but not together.
      writeFileSync(join(files, "half.bin"), Buffer.alloc(600, 7));
      await refused(["evince#refused", join(files, "half.bin"), join(files, "half.bin")], /together come to/);
      // The control: under the cap it is taken and arrives.
      const session = await openStarting(["evince#refused", join(files, "half.bin")]);
      try {
        expect(await shaInside("evince#refused", "/home/app/Inbox/half.bin")).toBe(sha256(Buffer.alloc(600, 7)));
      } finally {
        await box.run(["stop", "evince#refused"]);
        await session.exited;
      }
    } finally {
      writeFileSync(join(config, "config.toml"), "");
    }
  });
});
