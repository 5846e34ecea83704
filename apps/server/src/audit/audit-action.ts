/** What a request did, named from the route the router matched (never from the URL as sent). */
export interface AuditTarget {
  action: string;
  targetKind: string | null;
  targetId: string | null;
}

const KINDS: Record<string, string> = { vms: 'vm', images: 'image', shares: 'share', jobs: 'job', users: 'user', auth: 'session' };
const VERBS: Record<string, string> = { POST: 'create', PUT: 'update', PATCH: 'update', DELETE: 'delete' };

const kindOf = (segment: string) => KINDS[segment] ?? segment.replace(/s$/, '');

/**
 * POST /api/v1/vms → vm.create; DELETE /api/v1/vms/:id → vm.delete; POST /api/v1/vms/:id/start →
 * vm.start; PUT /api/v1/vms/:id/pinning → vm.pinning.update; a POST to a collection (a pattern
 * with routes beneath it, as /vms/:id/disks has /vms/:id/disks/:disk) → vm.disks.create. A
 * route's `config.audit` names it instead where the pattern says it badly (share.attach rather
 * than vm.shares.create). The target is the route's :id, of the kind its first segment names.
 */
export function describeRequest(
  method: string,
  pattern: string,
  params: Record<string, string>,
  label?: string,
  collection = false,
): AuditTarget {
  const segments = pattern
    .replace(/^\/api\/v1(?=\/)/, '')
    .split('/')
    .filter(Boolean);
  const kind = kindOf(segments[0] ?? 'server');
  const rest = segments.slice(1);
  const words = rest.filter((s) => !s.startsWith(':'));
  const verb = VERBS[method] ?? method.toLowerCase();
  const endsInWord = rest.length > 0 && !rest[rest.length - 1]!.startsWith(':');
  const action = label ?? [kind, ...words, ...(endsInWord && method === 'POST' && !collection ? [] : [verb])].join('.');
  return { action, targetKind: kind, targetId: params.id ?? null };
}

/** Patterns with routes beneath them (/vms/:id/disks for /vms/:id/disks/:disk): POSTs there create. */
export function collectionsOf(patterns: string[]): Set<string> {
  const out = new Set<string>();
  for (const p of patterns) {
    const parent = /^(.*)\/:\w+$/.exec(p)?.[1];
    if (parent) out.add(parent);
  }
  return out;
}
