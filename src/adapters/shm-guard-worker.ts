/**
 * The thread Xephyr is spawned from under `mit-shm = "fd"` (adapters/shm-guard.ts): it installs
 * the MIT-SHM guard (core/x11/shm-guard.ts) on itself, which a child spawned from it inherits,
 * while the supervisor's other threads, and every other program it starts (the clipboard's
 * tools, dialogs, a browser a link opens), stay as they are. No helper process, no host tool:
 * prctl through Bun's FFI, with the libc every glibc host has.
 *
 * It fails closed: when the filter cannot be installed (no glibc, an architecture the filter is
 * not written for, a kernel without seccomp), Xephyr still starts, with SHM_OFF_ARGS appended,
 * so it has no MIT-SHM at all, and the reason is sent back.
 *
 * Messages in: { type: "spawn", argv, env }, then { type: "kill", signal }. Out: { type:
 * "spawned", pid, refused? }, { type: "stdout" | "stderr", chunk }, { type: "exited", code, signal }.
 */
import { dlopen, FFIType, ptr } from "bun:ffi";
import { encodeProgram, guardArch, SHM_OFF_ARGS, shmGuardProgram } from "../core/x11/shm-guard.ts";

declare const self: Worker;

const PR_SET_SECCOMP = 22;
const PR_SET_NO_NEW_PRIVS = 38;
const SECCOMP_MODE_FILTER = 2;

/** Installs the filter on this thread; the reason it could not, or undefined. */
function installFilter(): string | undefined {
  const arch = guardArch(process.arch);
  if (!arch) return `no filter for ${process.arch}`;
  let prctl: (option: number, a: bigint, b: unknown, c: bigint, d: bigint) => number;
  try {
    prctl = dlopen("libc.so.6", {
      prctl: { args: [FFIType.i32, FFIType.u64, FFIType.ptr, FFIType.u64, FFIType.u64], returns: FFIType.i32 },
    }).symbols.prctl as typeof prctl;
  } catch {
    return "libc.so.6 could not be loaded";
  }
  const program = encodeProgram(shmGuardProgram(arch));
  // struct sock_fprog: unsigned short len, (padding), struct sock_filter *filter.
  const fprog = new Uint8Array(16);
  const view = new DataView(fprog.buffer);
  view.setUint16(0, program.length / 8, true);
  view.setBigUint64(8, BigInt(ptr(program)), true);
  // A thread may install a filter without privilege only when it can gain none.
  if (prctl(PR_SET_NO_NEW_PRIVS, 1n, null, 0n, 0n) !== 0) return "prctl(PR_SET_NO_NEW_PRIVS) failed";
  if (prctl(PR_SET_SECCOMP, BigInt(SECCOMP_MODE_FILTER), ptr(fprog), 0n, 0n) !== 0)
    return "the kernel refused the seccomp filter";
  return undefined;
}

let child: ReturnType<typeof Bun.spawn> | undefined;

async function pump(stream: ReadableStream<Uint8Array>, type: "stdout" | "stderr") {
  for await (const chunk of stream) postMessage({ type, chunk });
}

self.onmessage = (event: MessageEvent) => {
  const message = event.data as
    | { type: "spawn"; argv: string[]; env: Record<string, string> }
    | { type: "kill"; signal: NodeJS.Signals };
  if (message.type === "kill") {
    child?.kill(message.signal);
    return;
  }
  if (child) return;
  const refused = installFilter();
  const proc = Bun.spawn(refused ? [...message.argv, ...SHM_OFF_ARGS] : message.argv, {
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    env: message.env,
  });
  child = proc;
  postMessage({ type: "spawned", pid: proc.pid, refused });
  void Promise.all([pump(proc.stdout, "stdout"), pump(proc.stderr, "stderr")]).finally(async () => {
    const code = await proc.exited;
    postMessage({ type: "exited", code, signal: proc.signalCode });
  });
};
