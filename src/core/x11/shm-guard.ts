/**
 * MIT-SHM for the app, never the host's shared memory: the seccomp filter Xephyr runs under.
 *
 * Xephyr runs on the host, in the host's IPC namespace. With MIT-SHM on, an app's ShmAttach
 * names a System V id, and Xephyr looks it up there: a hostile app could attach any host
 * segment its uid may read (or one of mode 0666), or, on a desktop without MIT-SHM 1.2, another
 * instance's screen (Xephyr then makes those 0777), and read or write it through ShmPutImage
 * and ShmGetImage.
 *
 * The filter refuses every shmctl that reads a segment's status (IPC_STAT, SHM_STAT,
 * SHM_STAT_ANY). The X server's ShmAttach checks the client's access with IPC_STAT after
 * attaching, so every System V attach a client asks for fails with BadAccess, and no byte of the
 * segment is handed out. Xephyr's own path to the desktop needs none of these: with MIT-SHM 1.2
 * it is a memfd the desktop's server makes (ShmCreateSegment); without it, shmget, shmat and
 * IPC_RMID. What stays for clients is MIT-SHM 1.2's attach by file descriptor (ShmAttachFd,
 * ShmCreateSegment): memory the app passes over its own socket, private to the app and its own
 * X server. The base image's library (apps/base/dockercask-shm.c) moves apps onto it.
 */

/** Where a program runs: the architectures the filter is written for (Node's process.arch). */
export type GuardArch = "x64" | "arm64";

const AUDIT_ARCH: Record<GuardArch, number> = { x64: 0xc000003e, arm64: 0xc00000b7 };
/** shmctl's syscall number on each. */
const SHMCTL: Record<GuardArch, number> = { x64: 31, arm64: 195 };

export const IPC_STAT = 2;
export const SHM_STAT = 13;
export const SHM_STAT_ANY = 15;
/** The flag glibc may add to a shmctl command for the 64-bit structure; masked off first. */
export const IPC_64 = 0x100;
const EACCES = 13;

/** Classic BPF (linux/filter.h, linux/seccomp.h), only the parts the filter uses. */
export const BPF = {
  LD_W_ABS: 0x20,
  JEQ_K: 0x15,
  AND_K: 0x54,
  RET_K: 0x06,
} as const;
export const SECCOMP_RET_ALLOW = 0x7fff0000;
export const SECCOMP_RET_ERRNO = 0x00050000;
/** struct seccomp_data: nr at 0, arch at 4, args[i] at 16 + 8i (the low half on little-endian). */
export const SECCOMP_DATA = { nr: 0, arch: 4, arg1Low: 24 } as const;

export interface BpfInstruction {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

const op = (code: number, k: number, jt = 0, jf = 0): BpfInstruction => ({ code, jt, jf, k });

/**
 * The filter for arch. A syscall of another architecture is allowed: Xephyr is a native
 * program, and the filter bounds what Xephyr does for its clients, not hostile code.
 */
export function shmGuardProgram(arch: GuardArch): BpfInstruction[] {
  const allow = op(BPF.RET_K, SECCOMP_RET_ALLOW);
  const refuse = op(BPF.RET_K, SECCOMP_RET_ERRNO | EACCES);
  // Jump offsets count from the next instruction; "to allow" and "to refuse" are written
  // relative to the last two instructions.
  const body: BpfInstruction[] = [
    op(BPF.LD_W_ABS, SECCOMP_DATA.arch),
    op(BPF.JEQ_K, AUDIT_ARCH[arch], 0, 7),
    op(BPF.LD_W_ABS, SECCOMP_DATA.nr),
    op(BPF.JEQ_K, SHMCTL[arch], 0, 5),
    op(BPF.LD_W_ABS, SECCOMP_DATA.arg1Low),
    op(BPF.AND_K, ~IPC_64 >>> 0),
    op(BPF.JEQ_K, IPC_STAT, 3, 0),
    op(BPF.JEQ_K, SHM_STAT, 2, 0),
    op(BPF.JEQ_K, SHM_STAT_ANY, 1, 0),
  ];
  return [...body, allow, refuse];
}

/** The program as struct sock_filter entries: u16 code, u8 jt, u8 jf, u32 k, little-endian. */
export function encodeProgram(program: readonly BpfInstruction[]): Uint8Array {
  const bytes = new Uint8Array(program.length * 8);
  const view = new DataView(bytes.buffer);
  program.forEach((instruction, i) => {
    view.setUint16(i * 8, instruction.code, true);
    view.setUint8(i * 8 + 2, instruction.jt);
    view.setUint8(i * 8 + 3, instruction.jf);
    view.setUint32(i * 8 + 4, instruction.k >>> 0, true);
  });
  return bytes;
}

/** The architecture the filter is written for, or undefined: then MIT-SHM stays off. */
export function guardArch(arch: string): GuardArch | undefined {
  return arch === "x64" || arch === "arm64" ? arch : undefined;
}

/** Appended to Xephyr's arguments when the filter cannot be installed: MIT-SHM off, as before. */
export const SHM_OFF_ARGS = ["-extension", "MIT-SHM"] as const;
