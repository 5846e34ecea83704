import type { Job, Vm } from '@strata/contract';
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

  /** Starts a merge (202 expected) and waits for its job to end. */
  const mergeAndWait = async (imageId: string, body: object): Promise<Job> => {
    const res = await api<Job>('POST', `/images/${imageId}/merge`, body);
    if (res.status !== 202) throw new Error(`merge answered ${res.status}: ${JSON.stringify(res.body)}`);
    const deadline = Date.now() + 120_000;
    for (;;) {
      const job = (await api<Job>('GET', `/jobs/${res.body.id}`)).body;
      if (job.state !== 'running' && job.state !== 'queued') return job;
      if (Date.now() > deadline) throw new Error(`job ${job.id} still ${job.state}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  return { api, waitForState, mergeAndWait };
}
