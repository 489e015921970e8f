/**
 * PulseAudio's command numbers (pulsecore/native-common.h; the numbering has only grown
 * since 0.9, and PipeWire's pulse server uses the same) and what the relay does with each
 * one a client sends.
 */
export const COMMAND = {
  ERROR: 0,
  REPLY: 2,
  CREATE_PLAYBACK_STREAM: 3,
  DELETE_PLAYBACK_STREAM: 4,
  CREATE_RECORD_STREAM: 5,
  DELETE_RECORD_STREAM: 6,
  EXIT: 7,
  AUTH: 8,
  SET_CLIENT_NAME: 9,
  LOOKUP_SINK: 10,
  LOOKUP_SOURCE: 11,
  DRAIN_PLAYBACK_STREAM: 12,
  STAT: 13,
  GET_PLAYBACK_LATENCY: 14,
  CREATE_UPLOAD_STREAM: 15,
  DELETE_UPLOAD_STREAM: 16,
  FINISH_UPLOAD_STREAM: 17,
  PLAY_SAMPLE: 18,
  REMOVE_SAMPLE: 19,
  GET_SERVER_INFO: 20,
  GET_SINK_INFO: 21,
  GET_SINK_INFO_LIST: 22,
  GET_SOURCE_INFO: 23,
  GET_SOURCE_INFO_LIST: 24,
  GET_MODULE_INFO: 25,
  GET_MODULE_INFO_LIST: 26,
  GET_CLIENT_INFO: 27,
  GET_CLIENT_INFO_LIST: 28,
  GET_SINK_INPUT_INFO: 29,
  GET_SINK_INPUT_INFO_LIST: 30,
  GET_SOURCE_OUTPUT_INFO: 31,
  GET_SOURCE_OUTPUT_INFO_LIST: 32,
  GET_SAMPLE_INFO: 33,
  GET_SAMPLE_INFO_LIST: 34,
  SUBSCRIBE: 35,
  SET_SINK_VOLUME: 36,
  SET_SINK_INPUT_VOLUME: 37,
  SET_SOURCE_VOLUME: 38,
  SET_SINK_MUTE: 39,
  SET_SOURCE_MUTE: 40,
  CORK_PLAYBACK_STREAM: 41,
  FLUSH_PLAYBACK_STREAM: 42,
  TRIGGER_PLAYBACK_STREAM: 43,
  SET_DEFAULT_SINK: 44,
  SET_DEFAULT_SOURCE: 45,
  SET_PLAYBACK_STREAM_NAME: 46,
  SET_RECORD_STREAM_NAME: 47,
  KILL_CLIENT: 48,
  KILL_SINK_INPUT: 49,
  KILL_SOURCE_OUTPUT: 50,
  LOAD_MODULE: 51,
  UNLOAD_MODULE: 52,
  GET_RECORD_LATENCY: 57,
  CORK_RECORD_STREAM: 58,
  FLUSH_RECORD_STREAM: 59,
  PREBUF_PLAYBACK_STREAM: 60,
  PLAYBACK_STREAM_KILLED: 64,
  RECORD_STREAM_KILLED: 65,
  SUBSCRIBE_EVENT: 66,
  MOVE_SINK_INPUT: 67,
  MOVE_SOURCE_OUTPUT: 68,
  SET_SINK_INPUT_MUTE: 69,
  SUSPEND_SINK: 70,
  SUSPEND_SOURCE: 71,
  SET_PLAYBACK_STREAM_BUFFER_ATTR: 72,
  SET_RECORD_STREAM_BUFFER_ATTR: 73,
  UPDATE_PLAYBACK_STREAM_SAMPLE_RATE: 74,
  UPDATE_RECORD_STREAM_SAMPLE_RATE: 75,
  UPDATE_RECORD_STREAM_PROPLIST: 80,
  UPDATE_PLAYBACK_STREAM_PROPLIST: 81,
  UPDATE_CLIENT_PROPLIST: 82,
  REMOVE_RECORD_STREAM_PROPLIST: 83,
  REMOVE_PLAYBACK_STREAM_PROPLIST: 84,
  REMOVE_CLIENT_PROPLIST: 85,
  EXTENSION: 87,
  GET_CARD_INFO: 88,
  GET_CARD_INFO_LIST: 89,
  SET_CARD_PROFILE: 90,
  SET_SINK_PORT: 96,
  SET_SOURCE_PORT: 97,
  SET_SOURCE_OUTPUT_VOLUME: 98,
  SET_SOURCE_OUTPUT_MUTE: 99,
  SET_PORT_LATENCY_OFFSET: 100,
  ENABLE_SRBCHANNEL: 101,
  DISABLE_SRBCHANNEL: 102,
  REGISTER_MEMFD_SHMID: 103,
  SEND_OBJECT_MESSAGE: 104,
} as const;

/** PA_ERR_ACCESS: what a refused command is answered with; libpulse reports "Access denied". */
export const ERR_ACCESS = 1;

/**
 * What happens to each command a client may send:
 * - `forward`: it acts only on the client's own connection or streams (the server checks that
 *   the channel is the connection's own), or it reads what playing sound needs;
 * - `own-stream`: it names a stream by its server-wide index, so it passes only for a stream
 *   this connection made;
 * - `record`: a new record stream, decided by the microphone policy;
 * - everything else is refused: it changes the server (modules, defaults, devices, cards,
 *   ports, other clients and their streams, the shared sample cache) or reads what belongs to
 *   other clients (their names, streams and the modules' arguments).
 */
export type CommandRule = "auth" | "forward" | "own-stream" | "record" | "server-info" | "subscribe";

const C = COMMAND;
export const CLIENT_COMMAND_RULES: ReadonlyMap<number, CommandRule> = new Map<number, CommandRule>([
  [C.AUTH, "auth"],
  [C.SET_CLIENT_NAME, "forward"],
  [C.UPDATE_CLIENT_PROPLIST, "forward"],
  [C.REMOVE_CLIENT_PROPLIST, "forward"],
  [C.GET_SERVER_INFO, "server-info"],
  [C.STAT, "forward"],
  [C.LOOKUP_SINK, "forward"],
  [C.LOOKUP_SOURCE, "forward"],
  [C.GET_SINK_INFO, "forward"],
  [C.GET_SINK_INFO_LIST, "forward"],
  [C.GET_SOURCE_INFO, "forward"],
  [C.GET_SOURCE_INFO_LIST, "forward"],
  [C.SUBSCRIBE, "subscribe"],
  // Playback: the stream's own channel, checked by the server.
  [C.CREATE_PLAYBACK_STREAM, "forward"],
  [C.DELETE_PLAYBACK_STREAM, "forward"],
  [C.DRAIN_PLAYBACK_STREAM, "forward"],
  [C.GET_PLAYBACK_LATENCY, "forward"],
  [C.CORK_PLAYBACK_STREAM, "forward"],
  [C.FLUSH_PLAYBACK_STREAM, "forward"],
  [C.TRIGGER_PLAYBACK_STREAM, "forward"],
  [C.PREBUF_PLAYBACK_STREAM, "forward"],
  [C.SET_PLAYBACK_STREAM_NAME, "forward"],
  [C.SET_PLAYBACK_STREAM_BUFFER_ATTR, "forward"],
  [C.UPDATE_PLAYBACK_STREAM_SAMPLE_RATE, "forward"],
  [C.UPDATE_PLAYBACK_STREAM_PROPLIST, "forward"],
  [C.REMOVE_PLAYBACK_STREAM_PROPLIST, "forward"],
  // Record: the stream's own channel; creating one is the microphone policy's call.
  [C.CREATE_RECORD_STREAM, "record"],
  [C.DELETE_RECORD_STREAM, "forward"],
  [C.GET_RECORD_LATENCY, "forward"],
  [C.CORK_RECORD_STREAM, "forward"],
  [C.FLUSH_RECORD_STREAM, "forward"],
  [C.SET_RECORD_STREAM_NAME, "forward"],
  [C.SET_RECORD_STREAM_BUFFER_ATTR, "forward"],
  [C.UPDATE_RECORD_STREAM_SAMPLE_RATE, "forward"],
  [C.UPDATE_RECORD_STREAM_PROPLIST, "forward"],
  [C.REMOVE_RECORD_STREAM_PROPLIST, "forward"],
  // By server-wide index: only the connection's own streams.
  [C.GET_SINK_INPUT_INFO, "own-stream"],
  [C.SET_SINK_INPUT_VOLUME, "own-stream"],
  [C.SET_SINK_INPUT_MUTE, "own-stream"],
  [C.GET_SOURCE_OUTPUT_INFO, "own-stream"],
  [C.SET_SOURCE_OUTPUT_VOLUME, "own-stream"],
  [C.SET_SOURCE_OUTPUT_MUTE, "own-stream"],
]);

/** The commands that name a source output (a record stream) rather than a sink input. */
export const SOURCE_OUTPUT_COMMANDS: ReadonlySet<number> = new Set([
  C.GET_SOURCE_OUTPUT_INFO,
  C.SET_SOURCE_OUTPUT_VOLUME,
  C.SET_SOURCE_OUTPUT_MUTE,
]);

/** Subscription facilities (pa_subscription_event_type_t & 0x0F). */
export const FACILITY = {
  SINK: 0,
  SOURCE: 1,
  SINK_INPUT: 2,
  SOURCE_OUTPUT: 3,
  MODULE: 4,
  CLIENT: 5,
  SAMPLE_CACHE: 6,
  SERVER: 7,
  AUTOLOAD: 8,
  CARD: 9,
} as const;

/** The protocol version word of AUTH carries these capability bits above the version (v13+, memfd v31+). */
export const AUTH_SHM_BIT = 0x80000000;
export const AUTH_MEMFD_BIT = 0x40000000;

const NAMES = new Map<number, string>(
  Object.entries(COMMAND).map(([name, n]) => [n, name.toLowerCase().replaceAll("_", "-")]),
);
/** For log lines: `load-module`, or the number of a command this table does not know. */
export function commandName(command: number): string {
  return NAMES.get(command) ?? `command ${command}`;
}
