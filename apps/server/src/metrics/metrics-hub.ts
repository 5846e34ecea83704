import type { MetricEvent } from '@strata/contract';

interface Subscriber {
  vms: Set<string> | null;
  host: boolean;
  send(id: number, event: MetricEvent): void;
}

const wants = (s: Subscriber, e: MetricEvent) => (e.type === 'host' ? s.host : !s.vms || s.vms.has(e.sample.vmId));

/**
 * Fans samples out to stream clients: one sampler per VM, whatever the number of viewers. A short
 * replay buffer lets a reconnecting client resume from its Last-Event-ID.
 */
export class MetricsHub {
  private seq = 0;
  private buffer: { id: number; event: MetricEvent }[] = [];
  private subscribers = new Set<Subscriber>();

  constructor(private readonly replay = 600) {}

  publish(event: MetricEvent): void {
    const id = ++this.seq;
    this.buffer.push({ id, event });
    if (this.buffer.length > this.replay) this.buffer.splice(0, this.buffer.length - this.replay);
    for (const s of this.subscribers) if (wants(s, event)) s.send(id, event);
  }

  /** Replays what came after `lastId` (when it is still buffered), then follows live. */
  subscribe(sub: Subscriber, lastId: number | null): () => void {
    if (lastId !== null) for (const b of this.buffer) if (b.id > lastId && wants(sub, b.event)) sub.send(b.id, b.event);
    this.subscribers.add(sub);
    return () => this.subscribers.delete(sub);
  }

  get clients(): number {
    return this.subscribers.size;
  }
}
