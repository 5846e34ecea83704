import { useEffect, useSyncExternalStore } from 'react';
import type { HostSample, VmSample } from '@strata/contract';

const KEEP_MS = 15 * 60_000;

/**
 * Samples from /api/v1/metrics/stream, kept for the last 15 minutes. Subscribers are told at most
 * once per animation frame, so a burst of events never re-renders React once per event.
 */
class MetricsStore {
  vms = new Map<string, VmSample[]>();
  host: HostSample[] = [];
  version = 0;
  private listeners = new Set<() => void>();
  private frame = 0;
  private source: EventSource | null = null;
  private users = 0;

  private changed() {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.version++;
      for (const l of this.listeners) l();
    });
  }

  private trim<T extends { ts: number }>(list: T[]) {
    const cutoff = Date.now() - KEEP_MS;
    while (list.length > 0 && list[0]!.ts < cutoff) list.shift();
  }

  /** One EventSource for the whole app, open while any component watches. */
  acquire(): () => void {
    if (this.users++ === 0) {
      this.source = new EventSource('/api/v1/metrics/stream');
      this.source.addEventListener('vm', (m: MessageEvent<string>) => {
        const s = JSON.parse(m.data) as VmSample;
        const list = this.vms.get(s.vmId) ?? [];
        list.push(s);
        this.trim(list);
        this.vms.set(s.vmId, list);
        this.changed();
      });
      this.source.addEventListener('host', (m: MessageEvent<string>) => {
        this.host.push(JSON.parse(m.data) as HostSample);
        this.trim(this.host);
        this.changed();
      });
    }
    return () => {
      if (--this.users === 0) {
        this.source?.close();
        this.source = null;
      }
    };
  }

  subscribe = (l: () => void) => {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  };
}

export const metricsStore = new MetricsStore();

/** Re-renders at most once per frame with fresh samples; `paused` freezes what is shown. */
export function useMetrics(paused = false): MetricsStore {
  useEffect(() => metricsStore.acquire(), []);
  useSyncExternalStore(paused ? () => () => undefined : metricsStore.subscribe, () => (paused ? -1 : metricsStore.version));
  return metricsStore;
}
