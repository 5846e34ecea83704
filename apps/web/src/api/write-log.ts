/**
 * Every change the web asks of the server (any request but GET) passes here, so toasts and the
 * task bar follow all actions from one place instead of each component reporting its own.
 */
export interface WriteRequest {
  id: number;
  method: string;
  /** Below /api/v1, with its query string. */
  path: string;
  body: unknown;
  startedAt: number;
}

export type WriteOutcome = WriteRequest & ({ ok: true; result: unknown } | { ok: false; error: unknown });

export interface WriteListener {
  started?(request: WriteRequest): void;
  ended?(outcome: WriteOutcome): void;
}

const listeners = new Set<WriteListener>();
let nextId = 1;

export function onWrite(listener: WriteListener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Runs one write and tells every listener when it starts and how it ends; the result is the write's own. */
export async function tracked<T>(method: string, path: string, body: unknown, send: () => Promise<T>): Promise<T> {
  const request: WriteRequest = { id: nextId++, method, path, body, startedAt: Date.now() };
  for (const l of listeners) l.started?.(request);
  try {
    const result = await send();
    for (const l of listeners) l.ended?.({ ...request, ok: true, result });
    return result;
  } catch (error) {
    for (const l of listeners) l.ended?.({ ...request, ok: false, error });
    throw error;
  }
}
