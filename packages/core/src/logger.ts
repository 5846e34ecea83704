/**
 * Where core and the drivers say what they did and what went wrong, below the app. Shaped like
 * pino's (fields first, then the message) so the server passes its own logger straight in; `child`
 * tags every line of one VM or job (its id, its pid), as a process launcher logs each step.
 */
export interface Logger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

/** For unit tests and tools that want no output. */
export const silentLogger: Logger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};
