import type { StrataEvent } from '@strata/contract';
import type { EventSink } from '@strata/core';

type Listener = (event: StrataEvent) => void;

export class EventBus implements EventSink {
  private listeners = new Set<Listener>();

  emit(event: StrataEvent): void {
    for (const l of this.listeners) l(event);
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
