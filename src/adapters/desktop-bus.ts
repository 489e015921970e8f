/**
 * An instance's D-Bus endpoint: its own dbus-daemon, configured by core/desktop-bus/bus-config.ts
 * (no activation, a strict send policy, small message limits), listening on a socket in the
 * instance's runtime dir; the supervisor joins it with dbus-next, owns the portal and
 * notification names, and answers each call through services/desktop-bus-calls.ts. A real bus
 * daemon, not one written here: apps get the Hello, names and matches they expect, and the
 * daemon, hardened for the system bus, refuses malformed and oversized messages before we
 * see them. dbus-next is imported only when a session starts one.
 */
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildBusConfig, NOTIFICATIONS_NAME, PORTAL_NAME } from "../core/desktop-bus/bus-config.ts";
import type { BridgeCall, BridgeReply } from "../ports/desktop-bus-calls.ts";

const BUS_SOCKET_FILE = "bus.sock";

export interface BusEndpoint {
  socket: string;
  pid: number;
  stop(): void;
}

export interface BusEndpointOptions {
  runtimeDir: string;
  handle(call: BridgeCall): Promise<BridgeReply>;
  log: { warn(message: string): void; debug(message: string): void };
}

/** A bus that is not up by then will not be: the instance starts without it. */
const START_TIMEOUT_MS = 5_000;

export async function startBusEndpoint(options: BusEndpointOptions): Promise<BusEndpoint> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let abandon = () => {};
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      abandon();
      reject(new Error("the instance's bus did not come up"));
    }, START_TIMEOUT_MS);
  });
  try {
    return await Promise.race([openEndpoint(options, (stop) => (abandon = stop)), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function openEndpoint(options: BusEndpointOptions, onStop: (stop: () => void) => void): Promise<BusEndpoint> {
  const socket = join(options.runtimeDir, BUS_SOCKET_FILE);
  const configFile = join(options.runtimeDir, "bus.conf");
  writeFileSync(configFile, buildBusConfig(socket), { mode: 0o600 });

  // --nofork: it is our child, and goes with us; --print-address: it says when it listens.
  const daemon = Bun.spawn(
    ["dbus-daemon", "--nofork", "--nopidfile", "--nosyslog", `--config-file=${configFile}`, "--print-address=1"],
    {
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    },
  );
  void drainLines(daemon.stderr as ReadableStream<Uint8Array>, (line) => options.log.debug(`dbus-daemon: ${line}`));
  let stopped = false;
  let bus: import("dbus-next").MessageBus | undefined;
  // Calls being answered (a link waiting on its dialog): at stop each gets an error, not silence.
  const pending = new Set<import("dbus-next").Message>();
  let answerStopping = (_msg: import("dbus-next").Message) => {};
  const stop = () => {
    if (stopped) return;
    stopped = true;
    for (const msg of pending) answerStopping(msg);
    pending.clear();
    try {
      bus?.disconnect();
    } catch {}
    daemon.kill("SIGTERM");
  };
  onStop(stop);
  try {
    await firstLine(daemon.stdout as ReadableStream<Uint8Array>, daemon.exited);
    // The raw path, not the printed (escaped) address: dbus-next does not unescape %XX.
    const address = `unix:path=${socket}`;
    // The socket itself is the way in for the container's uid (ours, or the app user's when we are root).
    chmodSync(socket, 0o666);
    const dbus = (await import("dbus-next")).default;
    bus = dbus.sessionBus({ busAddress: address });
    bus.on("error", (error: unknown) => options.log.debug(`bus: ${String(error)}`));
    for (const name of [PORTAL_NAME, NOTIFICATIONS_NAME]) {
      const reply = await bus.requestName(name, dbus.NameFlag.DO_NOT_QUEUE);
      if (reply !== dbus.RequestNameReply.PRIMARY_OWNER) throw new Error(`could not own ${name} on the instance's bus`);
    }
    const connected = bus;
    answerStopping = (msg) =>
      connected.send(
        dbus.Message.newError(
          msg as unknown as string,
          "org.freedesktop.DBus.Error.Failed",
          "dockercask: the instance is stopping",
        ),
      );
    connected.addMethodHandler((msg: import("dbus-next").Message) => {
      if (stopped) return true;
      pending.add(msg);
      const call: BridgeCall = {
        sender: msg.sender,
        destination: msg.destination,
        path: msg.path,
        interface: msg.interface ?? "",
        member: msg.member,
        signature: msg.signature ?? "",
        body: msg.body ?? [],
      };
      void options.handle(call).then(
        (reply) => {
          if (!pending.delete(msg)) return;
          // dbus-next types newError's first argument as a string; at run time it is the message answered.
          if (!reply.ok)
            return connected.send(dbus.Message.newError(msg as unknown as string, reply.error, reply.message));
          connected.send(dbus.Message.newMethodReturn(msg, reply.signature, toVariants(reply.body, dbus.Variant)));
          if (reply.signal)
            void Promise.resolve(reply.signal).then(
              (later) => {
                if (!later || stopped) return;
                const { path, interface: iface, member, signature, body, destination } = later;
                const signal = dbus.Message.newSignal(path, iface, member, signature, toVariants(body, dbus.Variant));
                if (destination) signal.destination = destination;
                connected.send(signal);
              },
              (error) => options.log.warn(`bus: an answer failed: ${String(error)}`),
            );
        },
        (error) => {
          options.log.warn(`bus: a call failed: ${String(error)}`);
          if (pending.delete(msg))
            connected.send(
              dbus.Message.newError(
                msg as unknown as string,
                "org.freedesktop.DBus.Error.Failed",
                "dockercask could not answer",
              ),
            );
        },
      );
      return true;
    });
    return { socket, pid: daemon.pid, stop };
  } catch (error) {
    stop();
    throw error;
  }
}

/** `{ signature, value }` from the service becomes a dbus-next Variant, at any depth. */
// biome-ignore lint/suspicious/noExplicitAny: dbus-next types message bodies as any[]; this builds one
function toVariants(value: unknown, Variant: typeof import("dbus-next").Variant): any {
  if (Array.isArray(value)) return value.map((v) => toVariants(v, Variant));
  if (value && typeof value === "object") {
    const keys = Object.keys(value);
    if (keys.length === 2 && "signature" in value && "value" in value) {
      const typed = value as { signature: string; value: unknown };
      return new Variant(typed.signature, toVariants(typed.value, Variant));
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toVariants(v, Variant)]));
  }
  return value;
}

async function firstLine(stream: ReadableStream<Uint8Array>, exited: Promise<number>): Promise<string> {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let text = "";
  const read = (async () => {
    while (!text.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) throw new Error("dbus-daemon exited before it listened");
      text += decoder.decode(value);
    }
    reader.releaseLock();
    return text.slice(0, text.indexOf("\n")).trim();
  })();
  return Promise.race([
    read,
    exited.then((code) => Promise.reject(new Error(`dbus-daemon exited with code ${code} before it listened`))),
  ]);
}

async function drainLines(stream: ReadableStream<Uint8Array>, onLine: (line: string) => void): Promise<void> {
  const decoder = new TextDecoder();
  let rest = "";
  for await (const chunk of stream) {
    rest += decoder.decode(chunk);
    const lines = rest.split("\n");
    rest = lines.pop() ?? "";
    for (const line of lines) if (line.trim()) onLine(line);
  }
}
