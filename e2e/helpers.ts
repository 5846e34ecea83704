import { expect, type Page } from '@playwright/test';
import { e2ePassword } from './env.mjs';

export async function login(page: Page): Promise<void> {
  await page.goto('/');
  await page.getByLabel('Password').fill(e2ePassword);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Virtual machines', exact: true })).toBeVisible();
}

/** Creates a VM with the default settings through the New VM dialog and lands on its page. */
export async function createVm(page: Page, name: string): Promise<void> {
  await page.getByRole('button', { name: 'New VM' }).first().click();
  const dialog = page.getByRole('dialog', { name: 'New virtual machine' });
  await dialog.getByLabel('Name').fill(name);
  await dialog.getByRole('button', { name: 'Create' }).click();
  await expect(page.getByRole('heading', { name: new RegExp(`^${name}`) })).toBeVisible();
}

/** The terminal's rows as text, one string per row, as xterm.js renders them in the DOM. */
export async function consoleRows(page: Page): Promise<string[]> {
  return page.locator('[data-testid="console"] .xterm-rows > div').allInnerTexts();
}

export async function waitForConsoleLine(page: Page, predicate: (line: string) => boolean, what: string, timeout?: number): Promise<void> {
  try {
    await expect
      .poll(async () => (await consoleRows(page)).some((l) => predicate(l.replace(/\u00a0/g, ' ').trim())), {
        message: `console shows ${what}`,
        ...(timeout !== undefined && { timeout }),
      })
      .toBe(true);
  } catch (e) {
    // A CI run keeps no trace: the screen itself is the only evidence of why the line never came.
    const screen = (await consoleRows(page).catch(() => [])).map((l) => l.replace(/\u00a0/g, ' ').trimEnd()).filter(Boolean);
    throw new Error(`${(e as Error).message}\nthe console's last rows:\n${screen.slice(-20).join('\n')}`);
  }
}

/** The default guest's shell prompt after a boot, which TCG on a loaded 2-core host can stretch to minutes. */
export async function waitForPrompt(page: Page): Promise<void> {
  await waitForConsoleLine(page, (l) => l.startsWith('[strata-mini') && l.endsWith('#'), 'the shell prompt', 150_000);
}

/** Restarts the server under test (VMs keep running) and waits until it answers again. */
export async function restartServer(page: Page): Promise<void> {
  const { readFileSync } = await import('node:fs');
  const { servePidFile } = await import('./env.mjs');
  const before = await (await page.request.get('/api/v1/health')).json();
  expect(before.status).toBe('ok');
  process.kill(Number(readFileSync(servePidFile, 'utf8')), 'SIGUSR2');
  await expect
    .poll(async () => (await page.request.get('/api/v1/health').catch(() => null))?.status() ?? 0, { timeout: 60_000 })
    .not.toBe(200);
  await expect.poll(async () => (await page.request.get('/api/v1/health').catch(() => null))?.status() ?? 0, { timeout: 60_000 }).toBe(200);
}

/**
 * Waits until a shell really runs commands again (after a reboot, say): types a command whose
 * output cannot be in the scrollback until it is answered, every few seconds until it is.
 */
export async function waitForShell(page: Page, tag: string): Promise<void> {
  await page.getByTestId('console').click();
  await expect
    .poll(
      async () => {
        await page.keyboard.type(`echo ${tag}-$((40 + 2))`);
        await page.keyboard.press('Enter');
        return (await consoleRows(page)).some((l) => l.replace(/\u00a0/g, ' ').trim() === `${tag}-42`);
      },
      { message: `the shell answers (${tag})`, timeout: 90_000, intervals: [3_000] },
    )
    .toBe(true);
}

/** Types a command into the console and waits for a line of its output. */
export async function runInConsole(page: Page, command: string, expected: string): Promise<void> {
  await page.getByTestId('console').click();
  await page.keyboard.type(command);
  await page.keyboard.press('Enter');
  await waitForConsoleLine(page, (l) => l === expected, `'${expected}' from ${command}`);
}
