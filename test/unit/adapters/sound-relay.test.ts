/**
 * The relay's sockets, against a stand-in server on a real unix socket: what a hostile client
 * can do to the relay itself (break the protocol, open connections without end, flood the
 * log), and that the relay and its other clients go on.
 */
import { afterEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type SoundRelay, startSoundRelay } from "../../../src/adapters/sound-relay.ts";
import { COMMAND } from "../../../src/core/sound/commands.ts";
import {
  controlPacket,
  createPacketReader,
  encodeArbitrary,
  encodeU32,
  parseTagstruct,
  readU32,
} from "../../../src/core/sound/protocol.ts";

let dir: string;
let upstream: Server | undefined;
let relay: SoundRelay | undefined;
/** Commands the stand-in server received. */
let received: number[] = [];
const sockets: Socket[] = [];
afterEach(() => {
  for (const s of sockets) s.destroy();
  relay?.stop();
  upstream?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Answers every command with a REPLY carrying the same tag, as a server that allows all. */
async function start() {
  dir = mkdtempSync(join(tmpdir(), "dockercask-relay-"));
  received = [];
  const server = join(dir, "server.sock");
  upstream = createServer((socket) => {
    const reader = createPacketReader({ maxControl: 1 << 20, maxAudio: 1 << 24 });
    socket.on("data", (chunk: Buffer) => {
      for (const packet of reader.push(chunk)) {
        const items = parseTagstruct(packet.payload);
        received.push(readU32(packet.payload, items[0])!);
        const tag = readU32(packet.payload, items[1])!;
        socket.write(controlPacket(encodeU32(COMMAND.REPLY), encodeU32(tag), encodeU32(35)));
      }
    });
    socket.on("error", () => {});
  });
  await new Promise<void>((resolve) => upstream!.listen(server, resolve));
  const logs: string[] = [];
  const path = join(dir, "pulse.sock");
  relay = await startSoundRelay({
    path,
    upstream: server,
    microphone: false,
    identity: { user: "app", host: "x" },
    log: { warn: (m) => logs.push(`warn: ${m}`), debug: (m) => logs.push(`debug: ${m}`) },
  });
  return { path, logs };
}

/** A client: connect, optionally authenticate; `ask` sends one command and waits for its answer. */
async function client(path: string) {
  const socket = createConnection(path);
  sockets.push(socket);
  const reader = createPacketReader({ maxControl: 1 << 20, maxAudio: 1 << 24 });
  const answers: number[][] = [];
  let wake: (() => void) | undefined;
  const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()));
  socket.on("data", (chunk: Buffer) => {
    for (const p of reader.push(chunk)) answers.push(parseTagstruct(p.payload).map((i) => readU32(p.payload, i) ?? -1));
    wake?.();
  });
  socket.on("error", () => {});
  await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
  let tag = 0;
  return {
    socket,
    closed,
    async ask(command: number, ...values: Uint8Array[]): Promise<number[] | undefined> {
      const mine = tag++;
      socket.write(controlPacket(encodeU32(command), encodeU32(mine), ...values));
      const deadline = Date.now() + 2000;
      while (Date.now() < deadline) {
        const found = answers.find((a) => a[1] === mine);
        if (found) return found;
        await Promise.race([new Promise<void>((r) => (wake = r)), closed, Bun.sleep(50)]);
      }
      return undefined;
    },
  };
}

const cookie = encodeArbitrary(new Uint8Array(256));

test("a client that breaks the protocol is cut off, and says so once; another client goes on", async () => {
  const { path, logs } = await start();
  const good = await client(path);
  expect((await good.ask(COMMAND.AUTH, encodeU32(35), cookie))?.[0]).toBe(COMMAND.REPLY);
  const bad = await client(path);
  bad.socket.write(
    Uint8Array.from([0, 0, 0, 5, 255, 255, 255, 255, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x7a, 1, 2, 3, 4]),
  );
  await bad.closed;
  expect(logs.filter((l) => l.includes("cut off"))).toEqual([expect.stringContaining("malformed")]);
  // Control: the first client, and a new one, are served.
  expect((await good.ask(COMMAND.GET_SERVER_INFO))?.[0]).toBe(COMMAND.REPLY);
  const next = await client(path);
  expect((await next.ask(COMMAND.AUTH, encodeU32(35), cookie))?.[0]).toBe(COMMAND.REPLY);
});

test.each<[string, Uint8Array]>([
  ["a length of 4 GiB", Uint8Array.from([255, 255, 255, 255, 255, 255, 255, 255, ...new Array(12).fill(0)])],
  ["a command before auth", controlPacket(encodeU32(COMMAND.LOAD_MODULE), encodeU32(0))],
])("%s: cut off at once, nothing reaches the server", async (_, bytes) => {
  const { path } = await start();
  const bad = await client(path);
  bad.socket.write(bytes);
  await bad.closed;
  expect(received).toEqual([]);
  // Control: a well-behaved client's auth does reach it.
  await (await client(path)).ask(COMMAND.AUTH, encodeU32(35), cookie);
  expect(received).toEqual([COMMAND.AUTH]);
});

test("a refused command is answered Access denied and logged once, however often it is sent", async () => {
  const { path, logs } = await start();
  const c = await client(path);
  await c.ask(COMMAND.AUTH, encodeU32(35), cookie);
  for (let i = 0; i < 20; i++)
    expect(await c.ask(COMMAND.UNLOAD_MODULE, encodeU32(i))).toEqual([COMMAND.ERROR, i + 1, 1]);
  expect(received).toEqual([COMMAND.AUTH]);
  expect(logs.filter((l) => l.startsWith("warn:"))).toEqual([
    "warn: sound: refused unload-module: the app's sound socket only plays",
  ]);
});

test("past 16 connections a new one is closed; warnings stop at five", async () => {
  const { path, logs } = await start();
  const open = await Promise.all(Array.from({ length: 16 }, () => client(path)));
  for (const c of open) expect((await c.ask(COMMAND.AUTH, encodeU32(35), cookie))?.[0]).toBe(COMMAND.REPLY);
  const extra = await Promise.all(Array.from({ length: 8 }, () => client(path)));
  await Promise.all(extra.map((c) => c.closed));
  expect(logs.filter((l) => l.startsWith("warn:")).length).toBe(5);
  // The first sixteen still work.
  expect((await open[15]!.ask(COMMAND.GET_SERVER_INFO))?.[0]).toBe(COMMAND.REPLY);
});
