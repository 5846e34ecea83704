import type { Vm } from '@strata/contract';
import { PROMPT } from '@strata/guest';
import { auth, type TestServer } from './harness.js';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** The shell prompt of the default guest at /root. */
export const promptPattern = new RegExp(PROMPT.replace('\\w', '~').replace(/[[\]]/g, '\\$&'));

/** Calls the API of a test server as the admin (bearer token), through inject. */
export function apiClient(current: () => TestServer) {
  const api = async <T>(method: Method, url: string, payload?: object) => {
    const res = await current().app.inject({ method, url: `/api/v1${url}`, headers: auth, payload });
    return { status: res.statusCode, body: (res.body ? res.json() : undefined) as T };
  };

  const waitForState = async (id: string, state: Vm['state'], timeoutMs: number): Promise<Vm> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { body } = await api<Vm>('GET', `/vms/${id}`);
      if (body.state === state) return body;
      if (Date.now() > deadline) throw new Error(`VM ${id} is ${body.state}, not ${state}, after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  return { api, waitForState };
}
