import type { ShareTransport } from '@strata/contract';
import { invalid } from './errors.js';
import type { NinePOptionsRecord, VirtiofsOptionsRecord, VmShareRecord } from './records.js';

/** msize is what makes 9p fast (the VirtFS paper's benchmark); 512 KiB unless the user says otherwise. */
export const NINEP_DEFAULTS: NinePOptionsRecord = { version: '9p2000.L', msize: 524288, securityModel: 'mapped-xattr', cache: 'none' };
/**
 * cache=none: in every share benchmark on this kind of host (guest cache off, 1 MB sequential I/O)
 * auto was never the fastest mode and fell more than 10% behind the best; none led in most runs and is
 * coherent with writes made on the host or by other VMs. Its cost: no shared writable mmap in guests
 * older than Linux 6.6 (FUSE direct I/O), for which a share can still ask for auto.
 */
export const VIRTIOFS_DEFAULTS: VirtiofsOptionsRecord = {
  cache: 'none',
  xattr: false,
  posixAcl: false,
  threadPoolSize: 0,
  writeback: false,
};

type Raw = Record<string, string | number | boolean>;
type Check = (value: unknown) => string | null;

const oneOf =
  (...values: string[]): Check =>
  (v) =>
    typeof v === 'string' && values.includes(v) ? null : `must be one of ${values.join(', ')}`;
const bool: Check = (v) => (typeof v === 'boolean' ? null : 'must be true or false');
const int =
  (min: number, max: number, why = ''): Check =>
  (v) =>
    Number.isInteger(v) && (v as number) >= min && (v as number) <= max ? null : `must be an integer from ${min} to ${max}${why}`;

const RULES: Record<ShareTransport, Record<string, Check>> = {
  hostfs: {},
  '9p': {
    version: oneOf('9p2000.L', '9p2000.u'),
    msize: int(8193, 104857600, ' bytes (8 KiB or less makes 9p crawl)'),
    securityModel: oneOf('mapped-xattr', 'mapped-file', 'none', 'passthrough'),
    cache: oneOf('none', 'loose', 'fscache', 'mmap'),
  },
  virtiofs: {
    cache: oneOf('none', 'auto', 'always'),
    xattr: bool,
    posixAcl: bool,
    threadPoolSize: int(0, 64),
    writeback: bool,
    dax: (v) =>
      v === true ? "DAX is not available: QEMU 7.2's vhost-user-fs-pci has no cache-size property, so there is no DAX window" : bool(v),
  },
};

/** Validates a transport's options field by field and fills in its defaults. */
export function shareOptions(transport: ShareTransport, raw: Raw = {}): VmShareRecord['options'] {
  const rules = RULES[transport];
  for (const [key, value] of Object.entries(raw)) {
    const rule = rules[key];
    if (!rule) throw invalid(`body.options.${key}`, `is not a ${transport} option (${Object.keys(rules).join(', ')})`);
    const problem = rule(value);
    if (problem) throw invalid(`body.options.${key}`, problem);
  }
  const { dax: _dax, ...rest } = raw; // validated (only false passes), never stored
  if (transport === 'virtiofs' && rest.posixAcl === true && rest.xattr === false) {
    throw invalid('body.options.posixAcl', 'POSIX ACLs are stored in extended attributes: they need xattr');
  }
  const options = transport === '9p' ? { ...NINEP_DEFAULTS, ...rest } : transport === 'virtiofs' ? { ...VIRTIOFS_DEFAULTS, ...rest } : {};
  // virtiofsd refuses posix_acl without xattr; asking for ACLs turns xattr on.
  if (transport === 'virtiofs' && (options as VirtiofsOptionsRecord).posixAcl) (options as VirtiofsOptionsRecord).xattr = true;
  return options as VmShareRecord['options'];
}

/** The command that mounts an attachment in this guest or any other. */
export function mountCommand(s: VmShareRecord): string {
  if (s.transport === 'virtiofs') return `mount -t virtiofs${s.readonly ? ' -o ro' : ''} ${s.tag} /mnt/${s.tag}`;
  if (s.transport === 'hostfs') return `mount -t hostfs -o ${s.tag}${s.readonly ? ',ro' : ''} none /mnt/${s.tag}`;
  const o = s.options;
  return `mount -t 9p -o trans=virtio,version=${o.version},msize=${o.msize},cache=${o.cache}${s.readonly ? ',ro' : ''} ${s.tag} /mnt/${s.tag}`;
}
