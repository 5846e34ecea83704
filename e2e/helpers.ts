import { expect, type Page } from '@playwright/test';
import { e2ePassword } from './env.mjs';

export async function login(page: Page): Promise<void> {
  await page.goto('/');
  await page.getByLabel('Password').fill(e2ePassword);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Virtual machines', exact: true })).toBeVisible();
}

/** The terminal's rows as text, one string per row, as xterm.js renders them in the DOM. */
export async function consoleRows(page: Page): Promise<string[]> {
  return page.locator('[data-testid="console"] .xterm-rows > div').allInnerTexts();
}

export async function waitForConsoleLine(page: Page, predicate: (line: string) => boolean, what: string): Promise<void> {
  await expect.poll(async () => (await consoleRows(page)).some((l) => predicate(l.replace(/\u00a0/g, ' ').trim())), { message: `console shows ${what}` }).toBe(true);
}
