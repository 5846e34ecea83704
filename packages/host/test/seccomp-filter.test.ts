import { describe, expect, it } from 'vitest';
import { AUDIT_ARCH_X86_64, NR, noSetIdFilter, SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO, SECCOMP_RET_KILL_PROCESS } from '../src/seccomp.js';

const insn = (b: Buffer, pc: number) => ({
  code: b.readUInt16LE(pc * 8),
  jt: b[pc * 8 + 2],
  jf: b[pc * 8 + 3],
  k: b.readUInt32LE(pc * 8 + 4),
});

/** Runs the program the way the kernel would, over a seccomp_data of x86_64 shape. */
function verdict(prog: Buffer, nr: number, args: number[] = [], arch = AUDIT_ARCH_X86_64): number {
  const data = Buffer.alloc(64);
  data.writeUInt32LE(nr, 0);
  data.writeUInt32LE(arch, 4);
  args.forEach((a, i) => data.writeUInt32LE(a >>> 0, 16 + 8 * i));
  let acc = 0;
  for (let pc = 0, steps = 0; steps < 1000; steps++) {
    const { code, jt, jf, k } = insn(prog, pc);
    pc++;
    if (code === 0x20) acc = data.readUInt32LE(k);
    else if (code === 0x54) acc = (acc & k) >>> 0;
    else if (code === 0x05) pc += k;
    else if (code === 0x15) pc += acc === k ? jt! : jf!;
    else if (code === 0x35) pc += acc >= k ? jt! : jf!;
    else if (code === 0x45) pc += (acc & k) !== 0 ? jt! : jf!;
    else if (code === 0x06) return k;
    else throw new Error(`unknown opcode ${code.toString(16)} at ${pc - 1}`);
    if (pc * 8 >= prog.length) throw new Error('ran off the end');
  }
  throw new Error('no verdict');
}

const EPERM = SECCOMP_RET_ERRNO | 1;
const ENOSYS = SECCOMP_RET_ERRNO | 38;
const ALLOW = SECCOMP_RET_ALLOW;
const KILL = SECCOMP_RET_KILL_PROCESS;
const O_CREAT = 0o100;
const O_TMPFILE = 0o20200000;

describe('the set-id seccomp program', () => {
  const prog = noSetIdFilter();

  it('is whole sock_filter structs: checks the arch first, loads the number, ends in the four verdicts', () => {
    expect(prog.length % 8).toBe(0);
    expect(prog.length / 8).toBeLessThan(64);
    // ld [4]; jeq #AUDIT_ARCH_X86_64, 0, <kill>; ld [0]
    expect(prog.subarray(0, 8).toString('hex')).toBe('2000000004000000');
    expect(insn(prog, 1)).toMatchObject({ code: 0x15, jt: 0, k: 0xc000003e });
    expect(insn(prog, 1).jf! + 2).toBe(prog.length / 8 - 1);
    expect(prog.subarray(16, 24).toString('hex')).toBe('2000000000000000');
    // jge #0x40000000 (x32) -> kill
    expect(insn(prog, 3)).toMatchObject({ code: 0x35, k: 0x40000000, jf: 0 });
    // ... ret ALLOW; ret ERRNO|EPERM; ret ERRNO|ENOSYS; ret KILL_PROCESS
    expect(prog.subarray(prog.length - 32).toString('hex')).toBe(
      ['060000000000ff7f', '0600000001000500', '0600000026000500', '0600000000000080'].join(''),
    );
  });

  it('refuses set-id modes in every chmod and create call and nothing else', () => {
    for (const [nr, at] of [
      [NR.chmod, 1],
      [NR.fchmod, 1],
      [NR.creat, 1],
      [NR.fchmodat, 2],
      [NR.fchmodat2, 2],
    ] as const) {
      const args = (mode: number) => Object.assign([0, 0, 0, 0], { [at]: mode });
      expect(verdict(prog, nr, args(0o4755)), `${nr} setuid`).toBe(EPERM);
      expect(verdict(prog, nr, args(0o2711)), `${nr} setgid`).toBe(EPERM);
      expect(verdict(prog, nr, args(0o1777)), `${nr} sticky`).toBe(ALLOW);
      expect(verdict(prog, nr, args(0o755)), `${nr} plain`).toBe(ALLOW);
    }
    // The mode of fchmodat is its third argument; a set-id-looking second one is a path pointer.
    expect(verdict(prog, NR.fchmodat, [3, 0o4000, 0o644])).toBe(ALLOW);
  });

  it('looks at open and openat modes only when they create', () => {
    expect(verdict(prog, NR.open, [0, O_CREAT | 1, 0o4755])).toBe(EPERM);
    expect(verdict(prog, NR.open, [0, O_TMPFILE | 1, 0o2755])).toBe(EPERM);
    expect(verdict(prog, NR.open, [0, 0, 0o4755])).toBe(ALLOW);
    expect(verdict(prog, NR.open, [0, O_CREAT, 0o644])).toBe(ALLOW);
    expect(verdict(prog, NR.openat, [-100, 0, O_CREAT | 0o1000, 0o6755])).toBe(EPERM);
    expect(verdict(prog, NR.openat, [-100, 0, O_TMPFILE, 0o4700])).toBe(EPERM);
    expect(verdict(prog, NR.openat, [-100, 0, 0o2000000, 0o4755])).toBe(ALLOW);
    expect(verdict(prog, NR.openat, [-100, 0, O_CREAT, 0o600])).toBe(ALLOW);
  });

  it('lets FIFOs and sockets be made but no device node or set-id file, and sends openat2 back to openat', () => {
    for (const [nr, at] of [
      [NR.mknod, 1],
      [NR.mknodat, 2],
    ] as const) {
      const args = (mode: number) => Object.assign([0, 0, 0, 0], { [at]: mode });
      expect(verdict(prog, nr, args(0o010644)), 'fifo').toBe(ALLOW);
      expect(verdict(prog, nr, args(0o140755)), 'socket').toBe(ALLOW);
      expect(verdict(prog, nr, args(0o100644)), 'regular').toBe(ALLOW);
      expect(verdict(prog, nr, args(0o020600)), 'char').toBe(EPERM);
      expect(verdict(prog, nr, args(0o060600)), 'block').toBe(EPERM);
      expect(verdict(prog, nr, args(0o104755)), 'setuid regular').toBe(EPERM);
      expect(verdict(prog, nr, args(0o012644)), 'setgid fifo').toBe(EPERM);
    }
    expect(verdict(prog, NR.openat2, [-100, 0, 0, 24])).toBe(ENOSYS);
  });

  it('kills another architecture or the x32 ABI, and leaves every other call alone', () => {
    expect(verdict(prog, NR.chmod, [0, 0o755], 0x40000003)).toBe(KILL);
    expect(verdict(prog, 0x40000000 + NR.chmod, [0, 0o4755])).toBe(KILL);
    for (const nr of [0, 1, 3, 59, 188, 189, 190, 317, 435]) expect(verdict(prog, nr, [0o4755, 0o4755, 0o4755, 0o4755])).toBe(ALLOW);
  });
});
