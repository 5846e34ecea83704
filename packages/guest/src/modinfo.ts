/**
 * Reads a kernel module's dependencies from its `.modinfo` strings, so the builder needs
 * neither kmod's `modinfo` nor a `modules.dep` (a kernel .deb ships none: depmod makes it).
 */
export function moduleDepends(ko: Buffer): string[] {
  const marker = Buffer.from('\0depends=');
  const at = ko.indexOf(marker);
  if (at < 0) return [];
  const start = at + marker.length;
  const end = ko.indexOf(0, start);
  const value = ko.subarray(start, end < 0 ? undefined : end).toString('latin1');
  // The kernel treats '-' and '_' in module names alike; file names and depends= mix both.
  return value
    .split(',')
    .map((s) => s.trim().replace(/-/g, '_'))
    .filter(Boolean);
}

/** Orders modules so that each comes after everything it depends on. */
export function loadOrder(wanted: string[], dependsOf: (name: string) => string[]): string[] {
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, path: string[]): void => {
    const seen = state.get(name);
    if (seen === 'done') return;
    if (seen === 'visiting') throw new Error(`module dependency cycle: ${[...path, name].join(' -> ')}`);
    state.set(name, 'visiting');
    for (const dep of dependsOf(name)) visit(dep, [...path, name]);
    state.set(name, 'done');
    order.push(name);
  };
  for (const name of wanted) visit(name, []);
  return order;
}
