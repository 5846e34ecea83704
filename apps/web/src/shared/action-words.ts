/**
 * What a change asked of the server is called in a toast and in the task bar: "Start web-1",
 * "Create user alice". Pure: names come through `nameOf`, which reads what the web already holds.
 */
export type Named = 'vm' | 'image' | 'share' | 'user' | 'job';
export type NameOf = (kind: Named, id: string) => string | undefined;

interface Context {
  params: string[];
  body: unknown;
  result: unknown;
  nameOf: NameOf;
}

const field = (value: unknown, key: string): string | undefined => {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = (value as Record<string, unknown>)[key];
  return typeof v === 'string' ? v : undefined;
};

/** The thing's name: from the cache, else from the reply or request ("name", "username"), else its id. */
const named = (kind: Named, id: string, c: Context) => c.nameOf(kind, id) ?? field(c.result, kind === 'user' ? 'username' : 'name') ?? id;

const POWER: Record<string, string> = {
  start: 'Start',
  stop: 'Force stop',
  shutdown: 'Shut down',
  pause: 'Pause',
  resume: 'Resume',
  reset: 'Reset',
  restart: 'Restart',
};

type Rule = [method: string, pattern: RegExp, label: (c: Context) => string];

const ID = '([^/?]+)';
const RULES: Rule[] = [
  ['POST', /^\/vms$/, (c) => `Create VM ${field(c.result, 'name') ?? field(c.body, 'name') ?? ''}`.trim()],
  ['PATCH', new RegExp(`^/vms/${ID}$`), (c) => `Save settings of ${named('vm', c.params[0]!, c)}`],
  ['DELETE', new RegExp(`^/vms/${ID}$`), (c) => `Delete VM ${named('vm', c.params[0]!, c)}`],
  [
    'POST',
    new RegExp(`^/vms/${ID}/(start|stop|shutdown|pause|resume|reset|restart)$`),
    (c) => `${POWER[c.params[1]!]} ${named('vm', c.params[0]!, c)}`,
  ],
  ['PUT', new RegExp(`^/vms/${ID}/pinning$`), (c) => `Pin the vCPUs of ${named('vm', c.params[0]!, c)}`],
  [
    'POST',
    new RegExp(`^/vms/${ID}/disks/${ID}/snapshots$`),
    (c) => `Snapshot disk ${c.params[1]} of ${named('vm', c.params[0]!, c)}${field(c.body, 'name') ? ` as ${field(c.body, 'name')}` : ''}`,
  ],
  ['POST', new RegExp(`^/vms/${ID}/disks/${ID}/revert$`), (c) => `Revert disk ${c.params[1]} of ${named('vm', c.params[0]!, c)}`],
  ['POST', new RegExp(`^/vms/${ID}/disks$`), (c) => `Add a disk to ${named('vm', c.params[0]!, c)}`],
  ['POST', new RegExp(`^/vms/${ID}/disks/${ID}/resize$`), (c) => `Grow disk ${c.params[1]} of ${named('vm', c.params[0]!, c)}`],
  ['DELETE', new RegExp(`^/vms/${ID}/pending$`), (c) => `Discard the changes waiting for ${named('vm', c.params[0]!, c)}`],
  [
    'POST',
    new RegExp(`^/vms/${ID}/clone$`),
    (c) => `Clone ${named('vm', c.params[0]!, c)}${field(c.body, 'name') ? ` as ${field(c.body, 'name')}` : ''}`,
  ],
  ['DELETE', new RegExp(`^/vms/${ID}/disks/${ID}$`), (c) => `Remove disk ${c.params[1]} from ${named('vm', c.params[0]!, c)}`],
  ['POST', new RegExp(`^/vms/${ID}/shares$`), (c) => `Attach a share to ${named('vm', c.params[0]!, c)}`],
  ['DELETE', new RegExp(`^/vms/${ID}/shares/${ID}$`), (c) => `Detach share ${c.params[1]} from ${named('vm', c.params[0]!, c)}`],
  ['POST', new RegExp(`^/vms/${ID}/uml$`), (c) => `UML ${field(c.body, 'action') ?? 'action'} on ${named('vm', c.params[0]!, c)}`],
  ['POST', new RegExp(`^/vms/${ID}/uml/ubd$`), (c) => `Add a UML disk to ${named('vm', c.params[0]!, c)}`],
  ['DELETE', new RegExp(`^/vms/${ID}/uml/ubd/${ID}$`), (c) => `Remove ${c.params[1]} from ${named('vm', c.params[0]!, c)}`],
  ['POST', /^\/images$/, (c) => `Create image ${field(c.body, 'name') ?? ''}`.trim()],
  ['POST', /^\/images\/import$/, (c) => `Import image ${field(c.body, 'name') ?? ''}`.trim()],
  ['DELETE', new RegExp(`^/images/${ID}$`), (c) => `Delete image ${named('image', c.params[0]!, c)}`],
  [
    'POST',
    new RegExp(`^/images/${ID}/(check|convert|resize|rebase|merge|clone)$`),
    (c) => `${c.params[1]!.charAt(0).toUpperCase()}${c.params[1]!.slice(1)} image ${named('image', c.params[0]!, c)}`,
  ],
  ['POST', /^\/shares$/, (c) => `Create share ${field(c.body, 'name') ?? field(c.body, 'path') ?? ''}`.trim()],
  ['PATCH', new RegExp(`^/shares/${ID}$`), (c) => `Rename share ${named('share', c.params[0]!, c)}`],
  ['DELETE', new RegExp(`^/shares/${ID}$`), (c) => `Delete share ${named('share', c.params[0]!, c)}`],
  ['POST', new RegExp(`^/jobs/${ID}/cancel$`), (c) => `Cancel ${c.nameOf('job', c.params[0]!) ?? 'the job'}`],
  ['POST', /^\/host\/probe$/, () => 'Probe the host again'],
  ['POST', new RegExp(`^/benchmarks/${ID}/cancel$`), () => 'Cancel the benchmark'],
  ['POST', /^\/benchmarks$/, () => 'Run the share benchmark'],
  ['POST', /^\/users$/, (c) => `Create user ${field(c.body, 'username') ?? ''}`.trim()],
  ['PATCH', new RegExp(`^/users/${ID}$`), (c) => userChange(named('user', c.params[0]!, c), c.body)],
  ['DELETE', new RegExp(`^/users/${ID}$`), (c) => `Delete user ${named('user', c.params[0]!, c)}`],
  [
    'POST',
    new RegExp(`^/users/${ID}/tokens$`),
    (c) => `Create API token ${field(c.body, 'name') ?? ''} for ${named('user', c.params[0]!, c)}`,
  ],
  ['DELETE', new RegExp(`^/users/${ID}/tokens/${ID}$`), (c) => `Revoke an API token of ${named('user', c.params[0]!, c)}`],
];

function userChange(user: string, body: unknown): string {
  if (typeof body === 'object' && body !== null) {
    const b = body as Record<string, unknown>;
    if (typeof b.role === 'string') return `Make ${user} ${/^[aeiou]/.test(b.role) ? 'an' : 'a'} ${b.role}`;
    if (b.password !== undefined) return `Reset the password of ${user}`;
    if (b.disabled === true) return `Disable ${user}`;
    if (b.disabled === false) return `Enable ${user}`;
  }
  return `Change user ${user}`;
}

/** Sign-in and sign-out speak for themselves: no toast, no task. */
const SILENT = /^\/auth\//;

/**
 * The action's name in words, or null for requests that are not an action a person took. A path
 * no rule knows is still named, by its method and first segment, so no action goes unreported.
 */
export function describeWrite(method: string, path: string, body: unknown, result: unknown, nameOf: NameOf): string | null {
  const bare = path.split('?')[0]!;
  if (SILENT.test(bare)) return null;
  for (const [m, pattern, label] of RULES) {
    if (m !== method) continue;
    const match = pattern.exec(bare);
    if (!match) continue;
    const params = match.slice(1).map((p) => {
      try {
        return decodeURIComponent(p);
      } catch {
        return p;
      }
    });
    return label({ params, body, result, nameOf });
  }
  const what = bare.split('/')[1] ?? '';
  const verb = method === 'DELETE' ? 'Delete' : method === 'POST' ? 'Change' : 'Update';
  return `${verb} ${what || 'settings'}`;
}
