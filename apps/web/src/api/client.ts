import type { ErrorResponse } from '@strata/contract';
import { errorText } from '../shared/error-text';
import { tracked } from './write-log';

/**
 * An error the API returned: its stable code, the field at fault, and a message in words users
 * read (the field's label, limits in units); `serverMessage` keeps the server's own words.
 */
export class ApiError extends Error {
  readonly serverMessage: string;
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(errorText({ message, field }));
    this.serverMessage = message;
  }
}

let csrfToken = '';
export const setCsrfToken = (token: string) => {
  csrfToken = token;
};
/** For requests sent without fetch (an upload through XMLHttpRequest, for its progress). */
export const getCsrfToken = () => csrfToken;

export function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  return method === 'GET' ? send<T>(method, path, body) : tracked(method, path, body, () => send<T>(method, path, body));
}

async function send<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET') headers['x-csrf-token'] = csrfToken;
  const res = await fetch(`/api/v1${path}`, {
    method,
    headers,
    credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status === 204) return undefined as T;
  const data = (await res.json().catch(() => ({}))) as Partial<ErrorResponse>;
  if (!res.ok) throw new ApiError(res.status, data.code ?? 'error', data.message ?? res.statusText, data.field);
  return data as T;
}
