import { soundSocket } from "../../core/container/spec.ts";
import { PULSE_SOCKET_FILE } from "../../core/instance/runtime.ts";
import type { Discovery } from "../../core/sound/discovery.ts";
import { type SessionCapability, type SessionLog, withoutIt } from "./capability.ts";

/** The host's sound server, reached through the instance's own filtered socket (adapters/sound-relay.ts). */
export interface SoundPort {
  /** The host server's socket, found as libpulse finds it, or what was tried. */
  findServer(): Promise<Discovery>;
  /** Serves the instance's socket at `path`, relayed and filtered to `upstream`. */
  relay(
    path: string,
    upstream: string,
    options: { microphone: boolean; identity: { user: string; host: string }; log: SessionLog },
  ): Promise<{ stop(): void }>;
}

/** Sound: a socket of the instance's own, relayed through the filter to the host's server. */
export function createSoundCapability(port: SoundPort): SessionCapability {
  return {
    name: "sound",
    starts: "before-container",
    async start({ plan, log }) {
      const { settings, policy, name } = plan;
      if (!(settings.audio ?? policy.audio)) return undefined;
      const server = await port.findServer();
      if (!server.found) {
        // Asked for by the user (a flag or the config), it is news worth a warning; an app whose
        // recipe merely wants sound runs silent with a line of information.
        const said = `no PulseAudio or PipeWire sound server found: running without sound (tried: ${server.tried.join("; ")})`;
        if (settings.audio === true) log.warn(said);
        else log.info(said);
        return undefined;
      }
      const upstream = server.socket;
      // Which server, and how it was found: what a user with two servers asks first.
      log.debug(`sound: the host's server at ${upstream}, found through ${server.via}`);
      const path = `${plan.runtimeDir}/${PULSE_SOCKET_FILE}`;
      // The server info names the host's user and machine; the app sees its own instead.
      const options = {
        microphone: settings.microphone ?? policy.microphone,
        identity: { user: "app", host: name.app },
        log,
      };
      const relay = await port.relay(path, upstream, options).catch(withoutIt<{ stop(): void }>("sound", log));
      return relay && { socket: soundSocket(path), stop: () => relay.stop() };
    },
  };
}
