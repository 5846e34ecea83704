import { credentialChanges } from './credential-changes.js';

/** How often output asks the database again, at most: the backstop for a change no event announced (expiry). */
const RECHECK_MS = 1000;

export interface CallerWatch {
  /** Before output: true while the caller may still watch. Asks again at most once a second. */
  stillSignedIn(): boolean;
  stop(): void;
}

/**
 * Keeps the caller of a long-lived connection (a console, an event or metrics stream) honest while
 * it only watches: a credential change anywhere (a token revoked, a user disabled or deleted, a
 * sign-out) asks `signedIn` at once and calls `onGone` when the answer is no, before any further
 * output reaches the connection.
 */
export function watchCaller(signedIn: () => boolean, onGone: () => void): CallerWatch {
  let gone = false;
  // Asked before the first output, not a second after it: the credential may have ended while the
  // connection was being admitted (a revocation racing an upgrade).
  let checkedAt = 0;
  const check = () => {
    if (gone) return false;
    checkedAt = Date.now();
    if (signedIn()) return true;
    stop();
    onGone();
    return false;
  };
  const unlisten = credentialChanges.listen(() => void check());
  const stop = () => {
    gone = true; // a connection closed by its own end is not told again
    unlisten();
  };
  // And once as soon as the caller has its watch in hand, for a connection that never outputs.
  queueMicrotask(() => void check());
  return {
    stillSignedIn: () => !gone && (Date.now() - checkedAt < RECHECK_MS || check()),
    stop,
  };
}
