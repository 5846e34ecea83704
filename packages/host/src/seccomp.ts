/**
 * A classic-BPF seccomp program (what `bwrap --seccomp FD` loads) that keeps a process from giving
 * any file a setuid or setgid bit, or making a device node. virtiofsd runs as root with no uid
 * mapping, so without it a guest's root could leave root-owned setuid programs on the host.
 */

/** One `struct sock_filter`. Jump targets are labels until assembled. */
type Insn =
  | { op: 'ld'; offset: number }
  | { op: 'and'; k: number }
  | { op: 'jeq' | 'jge' | 'jset'; k: number; jt: string; jf: string }
  | { op: 'ja'; to: string }
  | { op: 'ret'; k: number }
  | { op: 'label'; name: string };

const BPF_LD_W_ABS = 0x20;
const BPF_ALU_AND_K = 0x54;
const BPF_JMP_JA = 0x05;
const BPF_JMP_K = { jeq: 0x15, jge: 0x35, jset: 0x45 } as const;
const BPF_RET_K = 0x06;

export const AUDIT_ARCH_X86_64 = 0xc000003e;
/** x32 calls carry the x86_64 arch value and this bit in the number; nothing here uses them. */
const X32_SYSCALL_BIT = 0x40000000;

export const SECCOMP_RET_KILL_PROCESS = 0x80000000;
export const SECCOMP_RET_ERRNO = 0x00050000;
export const SECCOMP_RET_ALLOW = 0x7fff0000;
export const EPERM = 1;
export const ENOSYS = 38;

/** x86_64 numbers (asm/unistd_64.h; fchmodat2 and the *xattrat calls are newer than Debian 12's headers). */
export const NR = {
  open: 2,
  creat: 85,
  chmod: 90,
  fchmod: 91,
  mknod: 133,
  openat: 257,
  mknodat: 259,
  fchmodat: 268,
  openat2: 437,
  fchmodat2: 452,
} as const;

const S_ISUID = 0o4000;
const S_ISGID = 0o2000;
const S_IFMT = 0o170000;
const S_IFCHR = 0o020000;
const S_IFBLK = 0o060000;
const O_CREAT = 0o100;
/** The kernel takes the mode whenever either bit is set (WILL_CREATE), so the filter does too. */
const __O_TMPFILE = 0o20000000;

/** seccomp_data: nr, arch, instruction_pointer, then six u64 args; x86_64 is little-endian. */
const NR_OFFSET = 0;
const ARCH_OFFSET = 4;
const argLow = (i: number) => 16 + 8 * i;

/** Which argument holds the mode, for calls whose mode always counts. */
const MODE_ARG: [number, number][] = [
  [NR.chmod, 1],
  [NR.fchmod, 1],
  [NR.creat, 1],
  [NR.fchmodat, 2],
  [NR.fchmodat2, 2],
];

function program(): Insn[] {
  const jeq = (k: number, jt: string, jf = 'next') => ({ op: 'jeq' as const, k, jt, jf });
  let n = 0;
  const fresh = () => `next${n++}`;
  const dispatch: Insn[] = [];
  // Each test falls through to the one after it; 'next' becomes a unique label per test.
  const test = (nr: number, target: string) => {
    const next = fresh();
    dispatch.push(jeq(nr, target, next), { op: 'label', name: next });
  };
  for (const [nr, arg] of MODE_ARG) test(nr, `mode${arg}`);
  test(NR.open, 'open');
  test(NR.openat, 'openat');
  test(NR.mknod, 'mknod1');
  test(NR.mknodat, 'mknod2');
  // openat2's mode sits in a struct the filter cannot read; ENOSYS sends libc back to openat.
  test(NR.openat2, 'enosys');
  return [
    { op: 'ld', offset: ARCH_OFFSET },
    jeq(AUDIT_ARCH_X86_64, 'arch_ok', 'kill'),
    { op: 'label', name: 'arch_ok' },
    { op: 'ld', offset: NR_OFFSET },
    { op: 'jge', k: X32_SYSCALL_BIT, jt: 'kill', jf: 'native' },
    { op: 'label', name: 'native' },
    ...dispatch,
    { op: 'ret', k: SECCOMP_RET_ALLOW },
    // open/openat: the mode argument is only meaningful (and only set by libc) when creating.
    { op: 'label', name: 'open' },
    { op: 'ld', offset: argLow(1) },
    { op: 'jset', k: O_CREAT | __O_TMPFILE, jt: 'mode2', jf: 'allow' },
    { op: 'label', name: 'openat' },
    { op: 'ld', offset: argLow(2) },
    { op: 'jset', k: O_CREAT | __O_TMPFILE, jt: 'mode3', jf: 'allow' },
    // mknod: FIFOs and sockets stay (virtiofsd makes a guest's mkfifo with mknodat); set-id bits and
    // device nodes do not, whatever capabilities the daemon keeps.
    { op: 'label', name: 'mknod1' },
    { op: 'ld', offset: argLow(1) },
    { op: 'ja', to: 'mknod_mode' },
    { op: 'label', name: 'mknod2' },
    { op: 'ld', offset: argLow(2) },
    { op: 'label', name: 'mknod_mode' },
    { op: 'jset', k: S_ISUID | S_ISGID, jt: 'eperm', jf: 'mknod_type' },
    { op: 'label', name: 'mknod_type' },
    { op: 'and', k: S_IFMT },
    jeq(S_IFCHR, 'eperm', 'not_chr'),
    { op: 'label', name: 'not_chr' },
    jeq(S_IFBLK, 'eperm', 'allow'),
    { op: 'label', name: 'mode1' },
    { op: 'ld', offset: argLow(1) },
    { op: 'ja', to: 'mode' },
    { op: 'label', name: 'mode2' },
    { op: 'ld', offset: argLow(2) },
    { op: 'ja', to: 'mode' },
    { op: 'label', name: 'mode3' },
    { op: 'ld', offset: argLow(3) },
    { op: 'label', name: 'mode' },
    { op: 'jset', k: S_ISUID | S_ISGID, jt: 'eperm', jf: 'allow' },
    { op: 'label', name: 'allow' },
    { op: 'ret', k: SECCOMP_RET_ALLOW },
    { op: 'label', name: 'eperm' },
    { op: 'ret', k: SECCOMP_RET_ERRNO | EPERM },
    { op: 'label', name: 'enosys' },
    { op: 'ret', k: SECCOMP_RET_ERRNO | ENOSYS },
    { op: 'label', name: 'kill' },
    { op: 'ret', k: SECCOMP_RET_KILL_PROCESS },
  ];
}

/** Resolves labels to the forward, 8-bit relative offsets classic BPF jumps take. */
function assemble(insns: Insn[]): Buffer {
  const at = new Map<string, number>();
  const real: Exclude<Insn, { op: 'label' }>[] = [];
  for (const i of insns) {
    if (i.op === 'label') at.set(i.name, real.length);
    else real.push(i);
  }
  const out = Buffer.alloc(real.length * 8);
  const rel = (from: number, label: string, max: number) => {
    const to = at.get(label);
    if (to === undefined) throw new Error(`seccomp: no label ${label}`);
    const d = to - from - 1;
    if (d < 0 || d > max) throw new Error(`seccomp: jump to ${label} out of range (${d})`);
    return d;
  };
  real.forEach((insn, pc) => {
    let code: number;
    let jt = 0;
    let jf = 0;
    let k = 0;
    switch (insn.op) {
      case 'ld':
        [code, k] = [BPF_LD_W_ABS, insn.offset];
        break;
      case 'and':
        [code, k] = [BPF_ALU_AND_K, insn.k];
        break;
      case 'ret':
        [code, k] = [BPF_RET_K, insn.k];
        break;
      case 'ja':
        [code, k] = [BPF_JMP_JA, rel(pc, insn.to, 0xffffffff)];
        break;
      default:
        [code, k, jt, jf] = [BPF_JMP_K[insn.op], insn.k, rel(pc, insn.jt, 255), rel(pc, insn.jf, 255)];
    }
    out.writeUInt16LE(code, pc * 8);
    out.writeUInt8(jt, pc * 8 + 2);
    out.writeUInt8(jf, pc * 8 + 3);
    out.writeUInt32LE(k >>> 0, pc * 8 + 4);
  });
  return out;
}

/** The program's bytes, an array of `struct sock_filter` ready for `bwrap --seccomp`. */
export const noSetIdFilter = (): Buffer => assemble(program());
