import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

// The xdg-open shim (and the e2e tests' D-Bus client, which loads its wire code) against a bus
// played by this test: what it sends, byte for byte, and what it makes of the answers.

const SHIM = join(import.meta.dir, "../../../apps/base/dockercask-open");
const DBUS_CALL = join(import.meta.dir, "../../e2e/fixtures/dbus-call.pl");
const URL_SENT = "https://example.org/ü";
/** Hello, then OpenURI("", URL_SENT, {}), as the shim wrote them before its wire code became a package. */
const CALLS_HEX =
  "6c01000100000000010000006d00000001016f00150000002f6f72672f667265656465736b746f702f4442757300000002017300140000006f72672e667265656465736b746f702e4442757300000000030173000500000048656c6c6f00000006017300140000006f72672e667265656465736b746f702e44427573000000006c01000128000000020000009500000001016f001f0000002f6f72672f667265656465736b746f702f706f7274616c2f6465736b746f7000020173001e0000006f72672e667265656465736b746f702e706f7274616c2e4f70656e555249000003017300070000004f70656e55524900060173001e0000006f72672e667265656465736b746f702e706f7274616c2e4465736b746f70000008016700077373617b73767d0000000000000000000000001600000068747470733a2f2f6578616d706c652e6f72672fc3bc000000000000";

const dir = mkdtempSync(join(tmpdir(), "dockercask-shim-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Answer = "return" | "error" | "hang up";
const pad = (bytes: number[], n: number) => {
  while (bytes.length % n) bytes.push(0);
  return bytes;
};
const u32 = (v: number) => [v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >>> 24];
const text = (s: string) => [...new TextEncoder().encode(s)];

/** A method return (or an error) for call `serial`, whose body is one string. */
function answerTo(serial: number, kind: "return" | "error"): Uint8Array {
  const fields = pad([5, 1, ...text("u"), 0, ...u32(serial)], 8);
  fields.push(8, 1, ...text("g"), 0, 1, ...text("s"), 0);
  if (kind === "error") pad(fields, 8).push(4, 1, ...text("s"), 0, ...u32(12), ...text("org.x.Denied"), 0);
  const body = [...u32(5), ...text("hello"), 0];
  const header = [
    ...text("l"),
    kind === "return" ? 2 : 3,
    0,
    1,
    ...u32(body.length),
    ...u32(99),
    ...u32(fields.length),
  ];
  return Uint8Array.from([...pad([...header, ...fields], 8), ...body]);
}

/** Runs `argv` against a bus that accepts EXTERNAL (or only ANONYMOUS) and gives `answer` to call 2. */
async function againstBus(argv: string[], answer: Answer, options: { anonymousOnly?: boolean } = {}) {
  const path = join(dir, `bus-${crypto.randomUUID()}.sock`);
  let received = Buffer.alloc(0);
  let state: "auth" | "anonymous" | "messages" = "auth";
  const server = Bun.listen({
    unix: path,
    socket: {
      data(socket, chunk) {
        received = Buffer.concat([received, chunk]);
        if (state !== "messages" && received.toString("latin1").endsWith("\r\n")) {
          if (state === "auth" && options.anonymousOnly) {
            state = "anonymous";
            socket.write("REJECTED ANONYMOUS\r\n");
          } else {
            state = "messages";
            socket.write("OK 0123456789abcdef0123456789abcdef\r\n");
          }
          return;
        }
        const begin = received.indexOf("BEGIN\r\n");
        if (begin < 0 || countMessages(received.subarray(begin + 7)) < 2) return;
        if (answer === "hang up") socket.end();
        else socket.write(answerTo(2, answer));
      },
    },
  });
  try {
    const proc = Bun.spawn(["perl", ...argv], {
      env: { ...process.env, DBUS_SESSION_BUS_ADDRESS: `unix:path=${path}`, DOCKERCASK_SHIM: SHIM },
      stdout: "pipe",
      stderr: "pipe",
    });
    const [code, stdout, stderr] = await Promise.all([
      proc.exited,
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
    ]);
    return { code, stdout, stderr, sent: received };
  } finally {
    server.stop(true);
  }
}

function countMessages(bytes: Buffer): number {
  let count = 0;
  let at = 0;
  while (bytes.length - at >= 16) {
    const body = bytes.readUInt32LE(at + 4);
    const fields = bytes.readUInt32LE(at + 12);
    const total = 16 + fields + ((8 - (fields % 8)) % 8) + body;
    if (bytes.length - at < total) break;
    at += total;
    count++;
  }
  return count;
}

const auth = (uid: number) => `\0AUTH EXTERNAL ${Buffer.from(String(uid)).toString("hex")}\r\n`;
const ANONYMOUS = `AUTH ANONYMOUS ${Buffer.from("dockercask").toString("hex")}\r\n`;

describe("the xdg-open shim", () => {
  test.each<[string, Answer, boolean, number, string]>([
    ["a method return: done", "return", false, 0, ""],
    ["an error: its name and text", "error", false, 255, "dockercask-open: org.x.Denied: hello\n"],
    ["a bus that hangs up: said", "hang up", false, 255, "dockercask-open: the bus closed the connection\n"],
    ["a bus that takes only ANONYMOUS (we are not its uid)", "return", true, 0, ""],
  ])("%s", async (_, answer, anonymousOnly, code, stderr) => {
    const result = await againstBus([SHIM, URL_SENT], answer, { anonymousOnly });
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code, stderr });
    const handshake = `${auth(process.getuid!())}${anonymousOnly ? ANONYMOUS : ""}BEGIN\r\n`;
    expect(result.sent.toString("hex")).toBe(Buffer.from(handshake, "latin1").toString("hex") + CALLS_HEX);
  });
});

describe("the e2e tests' D-Bus client, on the shim's wire code", () => {
  const notify = [
    "org.freedesktop.Notifications",
    "/org/freedesktop/Notifications",
    "org.freedesktop.Notifications",
    "Notify",
    "s:app",
    "u:0",
    "s:icon",
    "s:summary",
    "s:body",
    "as:",
    "a{sv}:",
    "i:-1",
  ];
  test.each<[string, Answer, { code: number; stdout: string; stderr: string }]>([
    ["a reply: its first string printed", "return", { code: 0, stdout: "hello\n", stderr: "" }],
    ["an error: its name and text on stderr", "error", { code: 1, stdout: "", stderr: "org.x.Denied: hello\n" }],
    [
      "a bus that hangs up: exit 2",
      "hang up",
      { code: 2, stdout: "", stderr: "dbus-call.pl: the bus closed the connection\n" },
    ],
  ])("%s", async (_, answer, expected) => {
    const { code, stdout, stderr } = await againstBus([DBUS_CALL, ...notify], answer);
    expect({ code, stdout, stderr }).toEqual(expected);
  });
});
