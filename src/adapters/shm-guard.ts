/**
 * Runs a program under the MIT-SHM guard (core/x11/shm-guard.ts): `dockercask __shm-guard
 * <program> <args...>` installs the seccomp filter on itself and execs the program, which keeps
 * the filter, the pid and the open descriptors (Xephyr's display fd). No C helper, no host tool:
 * prctl and execve through Bun's FFI, with the libc every glibc host has.
 *
 * It fails closed: when the filter cannot be installed (no glibc, an architecture the filter is
 * not written for, a kernel without seccomp), the program still runs, with SHM_OFF_ARGS
 * appended, so Xephyr has no MIT-SHM at all, as before the guard existed.
 */
import { dlopen, FFIType, ptr } from "bun:ffi";
import { encodeProgram, guardArch, SHM_OFF_ARGS, shmGuardProgram } from "../core/x11/shm-guard.ts";

const PR_SET_SECCOMP = 22;
const PR_SET_NO_NEW_PRIVS = 38;
const SECCOMP_MODE_FILTER = 2;

function openLibc() {
  return dlopen("libc.so.6", {
    prctl: { args: [FFIType.i32, FFIType.u64, FFIType.ptr, FFIType.u64, FFIType.u64], returns: FFIType.i32 },
    execve: { args: [FFIType.ptr, FFIType.ptr, FFIType.ptr], returns: FFIType.i32 },
  }).symbols;
}

type Libc = ReturnType<typeof openLibc>;

/** Installs the filter on this thread; the reason it could not, or undefined. */
function installFilter(libc: Libc): string | undefined {
  const arch = guardArch(process.arch);
  if (!arch) return `no filter for ${process.arch}`;
  const program = encodeProgram(shmGuardProgram(arch));
  // struct sock_fprog: unsigned short len, (padding), struct sock_filter *filter.
  const fprog = new Uint8Array(16);
  const view = new DataView(fprog.buffer);
  view.setUint16(0, program.length / 8, true);
  view.setBigUint64(8, BigInt(ptr(program)), true);
  // The filter may be installed without privilege only by a thread that can gain none.
  if (libc.prctl(PR_SET_NO_NEW_PRIVS, 1n, null, 0n, 0n) !== 0) return "prctl(PR_SET_NO_NEW_PRIVS) failed";
  if (libc.prctl(PR_SET_SECCOMP, BigInt(SECCOMP_MODE_FILTER), ptr(fprog), 0n, 0n) !== 0)
    return "the kernel refused the seccomp filter";
  return undefined;
}

/** A NULL-terminated char*[] of strings, and the buffers it points into (kept alive by the caller). */
function cStrings(values: readonly string[]): { array: BigUint64Array; keep: Uint8Array[] } {
  const encoder = new TextEncoder();
  const keep = values.map((value) => encoder.encode(`${value}\0`));
  const array = new BigUint64Array(values.length + 1);
  keep.forEach((bytes, i) => {
    array[i] = BigInt(ptr(bytes));
  });
  return { array, keep };
}

/** Execs argv under the filter; returns only when exec failed, with the exit code to use. */
export function execGuarded(argv: readonly string[]): number {
  const [program] = argv;
  if (!program) {
    process.stderr.write("dockercask: __shm-guard needs a program to run\n");
    return 2;
  }
  let libc: Libc;
  try {
    libc = openLibc();
  } catch {
    process.stderr.write("dockercask: MIT-SHM is off: libc.so.6 could not be loaded\n");
    return execPlain([...argv, ...SHM_OFF_ARGS]);
  }
  const refused = installFilter(libc);
  if (refused) process.stderr.write(`dockercask: MIT-SHM is off: ${refused}\n`);
  return exec(libc, refused ? [...argv, ...SHM_OFF_ARGS] : [...argv]);
}

function execPlain(argv: readonly string[]): number {
  // Without libc's execve there is no exec to fall back on: run it as a child and pass its status on.
  const child = Bun.spawnSync([...argv], { stdio: ["inherit", "inherit", "inherit"] });
  return child.exitCode ?? 1;
}

function exec(libc: Libc, argv: readonly string[]): number {
  const args = cStrings(argv);
  const env = cStrings(Object.entries(process.env).map(([key, value]) => `${key}=${value ?? ""}`));
  // execve takes a path: a bare name is looked up on PATH first, as a shell would.
  const program = argv[0]!.includes("/") ? argv[0]! : (Bun.which(argv[0]!) ?? argv[0]!);
  const path = new TextEncoder().encode(`${program}\0`);
  libc.execve(ptr(path), ptr(args.array), ptr(env.array));
  process.stderr.write(`dockercask: could not run ${argv[0]}\n`);
  return 127;
}
