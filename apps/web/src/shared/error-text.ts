import { formatBytes, formatMiB, formatSeconds, plural } from '../components/format';

/**
 * The server answers a refused field as `{code, message, field}`: "body.memoryMiB must be <= 1048576".
 * This turns it into words a user reads next to the field: "Memory must be at most 1 TiB." The
 * limits come from the message itself (the contract's schemas put them there), so this table holds
 * only what a message cannot: the field's label, the unit of its number, and its pattern in words.
 */
type Unit = 'MiB' | 'bytes' | 'seconds';
interface FieldText {
  label: string;
  unit?: Unit;
  /** What a value matching the schema's pattern looks like, said as the rest of a sentence. */
  rule?: string;
}

const NAME_RULE = 'must start with a letter or digit and hold only letters, digits, dots, dashes and underscores';
const BOOT_RULE = 'must be 1 to 4 of the letters c (disk), d (CD-ROM), n (network) and a (floppy)';

/** Keys are the field path without "body." and without list positions: network.forwards.0.hostPort → network.forwards.hostPort. */
const FIELDS: Record<string, FieldText> = {
  // VM create and edit
  name: { label: 'Name', rule: NAME_RULE },
  hypervisor: { label: 'Hypervisor' },
  image: { label: 'Image' },
  cpu: { label: 'CPU topology' },
  'cpu.sockets': { label: 'Sockets' },
  'cpu.cores': { label: 'Cores' },
  'cpu.threads': { label: 'Threads' },
  vcpus: { label: 'vCPUs' },
  cpuModel: { label: 'CPU model', rule: 'must hold only letters, digits, dots, dashes and underscores' },
  memoryMiB: { label: 'Memory', unit: 'MiB' },
  balloonMiB: { label: 'Balloon target', unit: 'MiB' },
  accelerator: { label: 'Accelerator' },
  diskBus: { label: 'Disk bus' },
  disks: { label: 'Disks' },
  'disks.id': { label: 'Disk' },
  'disks.bus': { label: 'Disk bus' },
  cdrom: { label: 'CD-ROM' },
  network: { label: 'Network' },
  'network.mode': { label: 'Network' },
  'network.forwards': { label: 'Port forwards' },
  'network.forwards.protocol': { label: 'Protocol' },
  'network.forwards.hostPort': { label: 'Host port' },
  'network.forwards.guestPort': { label: 'Guest port' },
  boot: { label: 'Boot order' },
  'boot.order': { label: 'Boot order', rule: BOOT_RULE },
  'boot.once': { label: 'Next boot order', rule: BOOT_RULE },
  'boot.menu': { label: 'Boot menu' },
  shutdownTimeoutSec: { label: 'Shutdown timeout', unit: 'seconds' },
  umlMemoryDir: { label: 'Memory directory' },
  umlRootShareId: { label: 'Root file system' },
  // vCPU pinning
  'vcpus.index': { label: 'vCPU' },
  'vcpus.cpus': { label: 'Host CPUs' },
  emulatorCpus: { label: 'CPUs for QEMU’s other threads' },
  // UML
  action: { label: 'Action' },
  key: { label: 'SysRq key', rule: 'must be one lower-case letter or digit' },
  sizeMiB: { label: 'Size', unit: 'MiB' },
  // shares
  path: { label: 'Path' },
  shareId: { label: 'Share' },
  transport: { label: 'Transport' },
  tag: { label: 'Tag', rule: 'must hold only letters, digits, dashes and underscores' },
  readonly: { label: 'Read-only' },
  'options.version': { label: '9p version' },
  'options.msize': { label: 'msize', unit: 'bytes' },
  'options.securityModel': { label: 'Security model' },
  'options.cache': { label: 'Cache' },
  'options.xattr': { label: 'Extended attributes' },
  'options.posixAcl': { label: 'POSIX ACLs' },
  'options.threadPoolSize': { label: 'Thread pool' },
  'options.writeback': { label: 'Write-back cache' },
  'options.dax': { label: 'DAX' },
  // images, snapshots and layers
  format: { label: 'Format' },
  sizeBytes: { label: 'Size', unit: 'bytes' },
  clusterSize: { label: 'Cluster size', unit: 'bytes' },
  preallocation: { label: 'Preallocation' },
  lazyRefcounts: { label: 'Lazy refcounts' },
  compat: { label: 'Compatibility' },
  parentId: { label: 'Parent image' },
  imageId: { label: 'Snapshot' },
  description: { label: 'Description' },
  mode: { label: 'Merge mode' },
};

/** "body.network.forwards.0.hostPort" → "network.forwards.hostPort"; null for a field no form has. */
export function fieldKey(field: string): string | null {
  const parts = field.split('.').filter((p) => p !== '' && !/^\d+$/.test(p));
  if (['body', 'params', 'query', 'querystring'].includes(parts[0] ?? '')) parts.shift();
  // A nested field may be known by its last parts only (forwards.hostPort inside another object).
  for (let i = 0; i < parts.length; i++) {
    const key = parts.slice(i).join('.');
    if (FIELDS[key]) return key;
  }
  return null;
}

/** The label users see for a field the server named, or null when no form shows it. */
export function fieldLabel(field: string): string | null {
  const key = fieldKey(field);
  return key ? FIELDS[key]!.label : null;
}

function amount(value: number, unit: Unit | undefined): string {
  if (unit === 'MiB') return formatMiB(value);
  if (unit === 'bytes') return formatBytes(value);
  if (unit === 'seconds') return formatSeconds(value);
  return String(value);
}

const COMPARISONS: Record<string, string> = { '<=': 'at most', '>=': 'at least', '<': 'less than', '>': 'more than' };
const TYPES: Record<string, string> = {
  integer: 'a whole number',
  number: 'a number',
  string: 'text',
  boolean: 'yes or no',
  array: 'a list',
  object: 'a group of settings',
};

/** One schema reason (Ajv's words after the field's name) in plain words, or null when it is not one of them. */
function reasonText(reason: string, spec: FieldText): string | null {
  let m = /^must be (<=|>=|<|>) (-?\d+(?:\.\d+)?)$/.exec(reason);
  if (m) return `must be ${COMPARISONS[m[1]!]} ${amount(Number(m[2]), spec.unit)}`;
  m = /^must NOT have (more|fewer) than (\d+) (characters|items|properties)$/.exec(reason);
  if (m) {
    const n = Number(m[2]);
    const most = m[1] === 'more';
    if (m[3] === 'characters') {
      if (!most && n === 1) return 'must not be empty';
      return `must be ${most ? 'at most' : 'at least'} ${plural(n, 'character')} long`;
    }
    if (m[3] === 'items') return `${most ? 'can hold at most' : 'needs at least'} ${plural(n, 'entry', 'entries')}`;
    return most ? `holds more than ${plural(n, 'setting')}` : 'needs at least one change';
  }
  if (/^must match pattern /.test(reason)) return spec.rule ?? 'is not in a form Strata accepts';
  m = /^must be (integer|number|string|boolean|array|object)$/.exec(reason);
  if (m) return `must be ${TYPES[m[1]!]}`;
  m = /^must be multiple of (\d+(?:\.\d+)?)$/.exec(reason);
  if (m) return `must be a multiple of ${amount(Number(m[1]), spec.unit)}`;
  if (/^must be equal to (one of the allowed values|constant)$/.test(reason) || /^must match .* schema/.test(reason))
    return 'must be one of the choices offered';
  if (reason === 'is required') return 'is required';
  if (reason === 'is not a known field') return 'is not a setting Strata knows';
  return null;
}

/** Sizes in a sentence in units people read: "is 1073741824 bytes already" → "is 1 GiB already". */
export function humanizeSizes(text: string): string {
  return text
    .replace(/needs up to (\d+) bytes, only (\d+) are free/g, (_m, need: string, free: string) => {
      return `needs up to ${formatBytes(Number(need))}, only ${formatBytes(Number(free))} are free`;
    })
    .replace(/\b(\d{4,}) bytes\b/g, (_m, n: string) => formatBytes(Number(n)))
    .replace(/\b(\d{4,}) MiB\b/g, (_m, n: string) => formatMiB(Number(n)));
}

/**
 * A sentence starts upper-case, unless it starts with a name ("vCPUs", "msize", a VM called "db1"):
 * only a plain English opening word is raised.
 */
const sentence = (text: string) => {
  const raised = /^(a|an|the|only|no|this|that|give|shrinking|lazy|cluster) /.test(text)
    ? text.charAt(0).toUpperCase() + text.slice(1)
    : text;
  return /[.!?]$/.test(raised) ? raised : `${raised}.`;
};

/**
 * A refusal of the request as a whole ("body must NOT have fewer than 1 properties"): no field to
 * name, so the sentence speaks of the change asked for. Null for a field that is not the whole body.
 */
function wholeRequestText(message: string, field: string): string | null {
  if (!['body', 'query', 'querystring', 'params'].includes(field)) return null;
  const reason = message.startsWith(`${field} `) ? message.slice(field.length + 1) : message;
  if (/^must NOT have fewer than \d+ properties$/.test(reason)) return 'Nothing changed: there is nothing to save.';
  const text = reasonText(reason, { label: '' });
  return text ? sentence(`The request ${text}`) : sentence(humanizeSizes(reason));
}

/**
 * What to show for an error the API answered. A schema refusal of a known field becomes its label
 * and the limit in units ("Memory must be at most 1 TiB."); a service's own message, already
 * written for people, keeps its words with sizes made readable; an unknown field keeps the
 * server's message as it is.
 */
export function errorText({ message, field }: { message: string; field?: string }): string {
  if (!field) return humanizeSizes(message);
  const key = fieldKey(field);
  if (!key) return wholeRequestText(message, field) ?? message;
  const spec = FIELDS[key]!;
  const prefix = `${field} `;
  if (message.startsWith(prefix)) {
    const reason = message.slice(prefix.length);
    return sentence(`${spec.label} ${reasonText(reason, spec) ?? humanizeSizes(reason)}`);
  }
  // "must be an absolute path", "is not a 9p option (…)": the field is the subject of the sentence.
  if (/^(must|is|are|needs|cannot|may) /.test(message)) return sentence(`${spec.label} ${humanizeSizes(message)}`);
  return sentence(humanizeSizes(message));
}
