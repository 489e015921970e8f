import { describe, expect, test } from "bun:test";
import {
  BPF,
  type BpfInstruction,
  encodeProgram,
  type GuardArch,
  guardArch,
  IPC_64,
  IPC_STAT,
  SECCOMP_DATA,
  SECCOMP_RET_ALLOW,
  SECCOMP_RET_ERRNO,
  SHM_STAT,
  SHM_STAT_ANY,
  shmGuardProgram,
} from "../../../../src/core/x11/shm-guard.ts";

const AUDIT = { x64: 0xc000003e, arm64: 0xc00000b7 } as const;
const NR = { x64: { shmget: 29, shmat: 30, shmctl: 31 }, arm64: { shmget: 194, shmctl: 195, shmat: 196 } } as const;
const IPC_RMID = 0;
const IPC_SET = 1;
const EACCES = 13;

/** The kernel's classic-BPF interpreter, for the instructions the filter may use: it runs the program on one syscall. */
function run(program: readonly BpfInstruction[], data: { arch: number; nr: number; arg1: number }): number {
  const words = new Map<number, number>([
    [SECCOMP_DATA.nr, data.nr],
    [SECCOMP_DATA.arch, data.arch],
    [SECCOMP_DATA.arg1Low, data.arg1 >>> 0],
  ]);
  let accumulator = 0;
  for (let pc = 0; pc < program.length; ) {
    const { code, jt, jf, k } = program[pc]!;
    switch (code) {
      case BPF.LD_W_ABS:
        if (!words.has(k)) throw new Error(`loads an unknown offset ${k}`);
        accumulator = words.get(k)!;
        pc++;
        break;
      case BPF.AND_K:
        accumulator = (accumulator & k) >>> 0;
        pc++;
        break;
      case BPF.JEQ_K:
        pc += 1 + (accumulator === k >>> 0 ? jt : jf);
        break;
      case BPF.RET_K:
        return k >>> 0;
      default:
        throw new Error(`an instruction the interpreter does not know: ${code}`);
    }
  }
  throw new Error("ran off the end of the program");
}

const refused = (SECCOMP_RET_ERRNO | EACCES) >>> 0;

describe("the MIT-SHM guard's seccomp filter", () => {
  describe.each(["x64", "arm64"] as GuardArch[])("on %s", (arch) => {
    const program = shmGuardProgram(arch);
    const call = (nr: number, arg1 = 0, audit: number = AUDIT[arch]) => run(program, { arch: audit, nr, arg1 });

    test.each([
      ["IPC_STAT: how the X server checks a client's ShmAttach", IPC_STAT, refused],
      ["IPC_STAT with glibc's IPC_64 flag", IPC_STAT | IPC_64, refused],
      ["SHM_STAT: a segment by its index", SHM_STAT, refused],
      ["SHM_STAT_ANY", SHM_STAT_ANY, refused],
      ["SHM_STAT_ANY with IPC_64", SHM_STAT_ANY | IPC_64, refused],
      ["IPC_RMID: Xephyr removing its own screen segment", IPC_RMID, SECCOMP_RET_ALLOW],
      ["IPC_RMID with IPC_64", IPC_RMID | IPC_64, SECCOMP_RET_ALLOW],
      ["IPC_SET", IPC_SET, SECCOMP_RET_ALLOW],
    ])("shmctl %s", (_, command, expected) => {
      expect(call(NR[arch].shmctl, command)).toBe(expected);
    });

    test.each([
      ["shmget", NR[arch].shmget],
      ["shmat", NR[arch].shmat],
    ])("%s is allowed: Xephyr makes and attaches its own segments for the host", (_, nr) => {
      expect(call(nr, IPC_STAT)).toBe(SECCOMP_RET_ALLOW);
    });

    test("another architecture's syscall of the same number is not this filter's business", () => {
      const other = arch === "x64" ? AUDIT.arm64 : AUDIT.x64;
      expect(call(NR[arch].shmctl, IPC_STAT, other)).toBe(SECCOMP_RET_ALLOW);
    });

    test("encodes as struct sock_filter: 8 bytes each, little-endian", () => {
      const bytes = encodeProgram(program);
      expect(bytes.length).toBe(program.length * 8);
      const view = new DataView(bytes.buffer);
      program.forEach((instruction, i) => {
        expect(view.getUint16(i * 8, true)).toBe(instruction.code);
        expect(bytes[i * 8 + 2]).toBe(instruction.jt);
        expect(bytes[i * 8 + 3]).toBe(instruction.jf);
        expect(view.getUint32(i * 8 + 4, true)).toBe(instruction.k >>> 0);
      });
    });

    test("every jump lands inside the program, and it ends in a return", () => {
      program.forEach((instruction, pc) => {
        if (instruction.code === BPF.JEQ_K) {
          expect(pc + 1 + instruction.jt).toBeLessThan(program.length);
          expect(pc + 1 + instruction.jf).toBeLessThan(program.length);
        }
      });
      expect(program.at(-1)?.code).toBe(BPF.RET_K);
    });
  });

  test.each([
    ["x64", "x64"],
    ["arm64", "arm64"],
    ["ia32", undefined],
    ["riscv64", undefined],
  ])("an architecture (%s) has a filter or MIT-SHM stays off", (arch, expected) => {
    expect(guardArch(arch)).toBe(expected as GuardArch | undefined);
  });
});
