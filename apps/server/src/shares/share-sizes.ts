import { run } from '@strata/host';

const FRESH_MS = 15_000;

/**
 * Bytes used under each share directory (`du`), cached: a listing never waits for a walk of a big
 * tree. An unknown size is null until the first walk ends; `onMeasured` lets clients refetch.
 */
export function createShareSizes(onMeasured: () => void) {
  const cache = new Map<string, { bytes: number | null; at: number; running: boolean }>();

  const measure = (path: string) => {
    const entry = cache.get(path) ?? { bytes: null, at: 0, running: false };
    if (entry.running) return;
    entry.running = true;
    cache.set(path, entry);
    void run(['du', '-s', '-x', '-B1', '--', path], { timeoutMs: 60_000 })
      .then((r) => {
        const bytes = Number.parseInt(r.stdout.split('\t')[0] ?? '', 10);
        const changed = Number.isFinite(bytes) && bytes !== entry.bytes;
        if (Number.isFinite(bytes)) entry.bytes = bytes;
        entry.at = Date.now();
        if (changed) onMeasured();
      })
      .catch(() => undefined)
      .finally(() => (entry.running = false));
  };

  return {
    sizeOf(path: string): number | null {
      const entry = cache.get(path);
      if (!entry || Date.now() - entry.at > FRESH_MS) measure(path);
      return entry?.bytes ?? null;
    },
  };
}
