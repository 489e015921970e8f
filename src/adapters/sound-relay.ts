/**
 * The instance's sound socket: dockercask listens on it and relays each connection to the
 * host's sound server through the protocol filter (core/sound/filter.ts), so the app reaches
 * only what playing sound needs. One relay serves PulseAudio and PipeWire's pulse server
 * alike; the container never gets a socket of the server itself.
 */
import { chmodSync } from "node:fs";
import { createConnection, createServer, type Socket } from "node:net";
import { createPulseFilter, type FilterResult, type PulseFilterOptions } from "../core/sound/filter.ts";
import { createPacketReader, ProtocolError } from "../core/sound/protocol.ts";

export interface SoundRelayOptions extends PulseFilterOptions {
  /** Where the instance's socket goes (in its 0700 runtime dir). */
  path: string;
  /** The host server's socket. */
  upstream: string;
  log: { warn(message: string): void; debug(message: string): void };
}

export interface SoundRelay {
  stop(): void;
}

/** Enough for an app's few contexts (a browser opens one per process); a flood gets no more. */
const MAX_CONNECTIONS = 16;
/** A client that has not authenticated by then is dropped: it holds a slot for nothing. */
const AUTH_DEADLINE_MS = 10_000;
/**
 * What one client's packet may be. libpulse cuts audio into frames of at most 64 KiB
 * (FRAME_SIZE_MAX_USE in its pstream.c), and its control packets (a stream's property list
 * the largest) are smaller still; the server's own ceiling of 16 MiB is for sample uploads,
 * which the filter refuses. Four times that, so a connection that holds a packet one byte
 * short of complete holds at most 256 KiB: all MAX_CONNECTIONS together, 4 MiB.
 */
const LIMITS = { maxControl: 256 * 1024, maxAudio: 256 * 1024 };
/** The server is trusted, and its answers (a long list of sinks) may be larger: its own ceiling. */
const SERVER_LIMITS = { maxControl: 16 * 1024 * 1024, maxAudio: 16 * 1024 * 1024 };
/** Warnings a session may print about its clients; past that, a hostile app cannot flood the terminal. */
const MAX_WARNINGS = 5;

export async function startSoundRelay(options: SoundRelayOptions): Promise<SoundRelay> {
  const { log } = options;
  const connections = new Set<Socket>();
  const refusedOnce = new Set<string>();
  let warnings = 0;
  const warn = (message: string) => {
    if (warnings++ < MAX_WARNINGS) log.warn(message);
    else log.debug(message);
  };

  let clients = 0;
  const server = createServer((client) => {
    if (clients >= MAX_CONNECTIONS) {
      client.destroy();
      warn(`sound: refused a connection: the app already has ${MAX_CONNECTIONS} open`);
      return;
    }
    clients += 1;
    client.once("close", () => (clients -= 1));
    const host = createConnection(options.upstream);
    const filter = createPulseFilter(options);
    const fromClient = createPacketReader(LIMITS);
    // The server is trusted, but its packets are framed the same way: bounded by its own limit.
    const fromServer = createPacketReader(SERVER_LIMITS);
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      clearTimeout(deadline);
      client.destroy();
      host.destroy();
    };
    const deadline = setTimeout(() => {
      warn("sound: dropped a client that did not authenticate in time");
      close();
    }, AUTH_DEADLINE_MS);
    let authenticated = false;
    let hostFull = false;
    let clientFull = false;

    const deliver = (out: FilterResult) => {
      for (const name of out.refused) {
        if (refusedOnce.has(name)) log.debug(`sound: refused ${name}`);
        else {
          refusedOnce.add(name);
          log.warn(
            `sound: refused ${name}: the app's sound socket only plays${options.microphone ? " and records the default source" : ""}`,
          );
        }
      }
      // Back-pressure: a side that cannot keep up pauses what feeds it. A client that does
      // not read is fed by its own requests too (refusals), so it stops being read as well:
      // the relay never buffers more than a socket's worth for it.
      for (const bytes of out.toServer) if (!host.write(bytes)) hostFull = true;
      for (const bytes of out.toClient) if (!client.write(bytes)) clientFull = true;
      if (hostFull || clientFull) client.pause();
      if (clientFull) host.pause();
      if (out.cutOff) {
        warn(`sound: cut off a client: ${out.cutOff}`);
        close();
      }
    };
    client.on("data", (chunk: Buffer) => {
      if (closed) return;
      try {
        for (const packet of fromClient.push(chunk)) {
          const out = filter.fromClient(packet);
          if (!authenticated && !out.cutOff) {
            authenticated = true;
            clearTimeout(deadline);
          }
          deliver(out);
          if (closed) return;
        }
      } catch (error) {
        // A framing error, or anything the filter did not expect: the client goes, the relay stays.
        warn(
          `sound: cut off a client: ${error instanceof ProtocolError ? error.message : `the relay could not read what it sent (${String(error)})`}`,
        );
        close();
      }
    });
    host.on("data", (chunk: Buffer) => {
      if (closed) return;
      try {
        for (const packet of fromServer.push(chunk)) deliver(filter.fromServer(packet));
      } catch (error) {
        log.debug(`sound: the server sent what the relay cannot frame: ${String(error)}`);
        close();
      }
    });
    host.on("drain", () => {
      hostFull = false;
      if (!clientFull) client.resume();
    });
    client.on("drain", () => {
      clientFull = false;
      host.resume();
      if (!hostFull) client.resume();
    });
    for (const socket of [client, host]) {
      connections.add(socket);
      socket.on("close", () => {
        connections.delete(socket);
        close();
      });
      socket.on("error", () => close());
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.path, () => resolve());
  });
  // Anyone who can reach the file may connect, as with the server's own sockets; only the
  // instance's container can: it sits in a 0700 dir, and only that container gets it mounted.
  chmodSync(options.path, 0o666);
  return {
    stop() {
      server.close();
      for (const socket of connections) socket.destroy();
    },
  };
}
