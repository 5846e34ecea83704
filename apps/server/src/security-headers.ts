/**
 * The built web app loads only its own scripts (no inline ones) and talks only to this server
 * (fetch, EventSource, the console WebSocket). Styles allow inline: xterm.js and uPlot set element
 * styles and xterm.js adds <style> elements at run time.
 */
export const CONTENT_SECURITY_POLICY = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'", "'unsafe-inline'"],
  imgSrc: ["'self'", 'data:'],
  fontSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};
