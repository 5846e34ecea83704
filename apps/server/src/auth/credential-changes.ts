import { EventEmitter } from 'node:events';

/**
 * Said whenever a session, token or user changes in a way that may end someone's access (a token
 * revoked, a user disabled, demoted, deleted or given a new password, a sign-out). Connections that
 * outlive their request (consoles) listen and ask their caller's `current()` again at once, rather
 * than only when that caller next types.
 */
const emitter = new EventEmitter();
// One listener per open console: there is no leak to warn about at any count.
emitter.setMaxListeners(0);

let pending = false;

export const credentialChanges = {
  /**
   * Every open connection asks the database again when told: the changes of one turn of the event
   * loop are told once, so a burst of sign-outs costs one pass, not one per sign-out.
   */
  notify: (): void => {
    if (pending) return;
    pending = true;
    setImmediate(() => {
      pending = false;
      emitter.emit('change');
    });
  },
  /** Returns the function that stops listening. */
  listen(listener: () => void): () => void {
    emitter.on('change', listener);
    return () => void emitter.off('change', listener);
  },
};
