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
 * vm.start; PUT /api/v1/vms/:id/pinning → vm.pinning.update. A route's `config.audit` names it
 * instead where the pattern says it badly (share.attach rather than vm.shares). The target is the
 * route's :id, of the kind its first segment names.
 */
export function describeRequest(method: string, pattern: string, params: Record<string, string>, label?: string): AuditTarget {
  const segments = pattern
    .replace(/^\/api\/v1(?=\/)/, '')
    .split('/')
    .filter(Boolean);
  const kind = kindOf(segments[0] ?? 'server');
  const rest = segments.slice(1);
  const words = rest.filter((s) => !s.startsWith(':'));
  const verb = VERBS[method] ?? method.toLowerCase();
  const endsInWord = rest.length > 0 && !rest[rest.length - 1]!.startsWith(':');
  const action = label ?? [kind, ...words, ...(endsInWord && method === 'POST' ? [] : [verb])].join('.');
  return { action, targetKind: kind, targetId: params.id ?? null };
}
