import { expect, test as base } from '@playwright/test';

/**
 * Every journey's page reports Content-Security-Policy violations: the policy the server sends
 * must let the whole app work (xterm.js, uPlot, the event stream, the console socket), and a
 * violation anywhere fails the journey that caused it.
 */
export const test = base.extend({
  page: async ({ page }, use) => {
    const violations: string[] = [];
    await page.exposeFunction('__strataCspViolation', (v: string) => violations.push(v));
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => {
        (window as unknown as { __strataCspViolation(v: string): void }).__strataCspViolation(
          `${e.violatedDirective} blocked ${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber})`,
        );
      });
    });
    page.on('console', (msg) => {
      if (msg.type() === 'error' && /Content Security Policy/i.test(msg.text())) violations.push(msg.text());
    });
    await use(page);
    expect(violations, 'Content-Security-Policy violations').toEqual([]);
  },
});

export { expect };
