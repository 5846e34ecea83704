import type { Caller } from './guard.js';

/**
 * Connections that outlive their request (event and metrics streams, serial consoles, VNC) each
 * hold a socket, memory and a credential listener that every sign-out wakes: a caller gets a
 * bounded number of them, and so does the server. A browser tab holds two or three.
 */
export const STREAMS_PER_USER = 32;
export const STREAMS_IN_ALL = 1024;

const perUser = new Map<string, number>();
let total = 0;

/** The configured token belongs to no user row; it is counted as one user of its own. */
const keyOf = (caller: Pick<Caller, 'id'> | undefined) => caller?.id ?? 'configured-token';

/** Why one more connection is refused for this caller, or null when it fits. */
export function streamRefusal(caller: Pick<Caller, 'id' | 'username'> | undefined): string | null {
  if (total >= STREAMS_IN_ALL) return `the server has ${STREAMS_IN_ALL} streams and consoles open already; try again later`;
  if ((perUser.get(keyOf(caller)) ?? 0) >= STREAMS_PER_USER)
    return `${caller?.username ?? 'this caller'} has ${STREAMS_PER_USER} streams and consoles open already; close some first`;
  return null;
}

/** 429 through the error handler, for a refusal before a stream or an upgrade. */
export const tooManyStreams = (reason: string) => Object.assign(new Error(reason), { statusCode: 429, code: 'TOO_MANY_STREAMS' });

/** Takes one connection for the caller; the returned release gives it back (once, however often it is called). */
export function claimStream(caller: Pick<Caller, 'id' | 'username'> | undefined): { release: () => void } | { refused: string } {
  const refused = streamRefusal(caller);
  if (refused) return { refused };
  const key = keyOf(caller);
  perUser.set(key, (perUser.get(key) ?? 0) + 1);
  total++;
  let held = true;
  return {
    release: () => {
      if (!held) return;
      held = false;
      total--;
      const left = (perUser.get(key) ?? 1) - 1;
      if (left > 0) perUser.set(key, left);
      else perUser.delete(key);
    },
  };
}
