import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from './fixtures.js';
import { createVm, login, waitForConsoleLine, waitForPrompt } from './helpers.js';

/** The share of sampled pixels of the noVNC canvas that are VGA blue (0, 0, 170); -1 without a canvas. */
const blueShare = () => {
  const canvas = document.querySelector<HTMLCanvasElement>('[data-testid="vnc-screen"] canvas');
  const ctx = canvas?.getContext('2d');
  if (!canvas || !ctx || canvas.width === 0 || canvas.height === 0) return -1;
  const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
  let blue = 0;
  let all = 0;
  for (let i = 0; i < data.length; i += 4 * 31, all++) if (data[i]! < 40 && data[i + 1]! < 40 && data[i + 2]! > 140) blue++;
  return blue / all;
};

test("a running VM's screen in the browser, and a blank image made and deleted on the Images page", async ({ page, browser, baseURL }) => {
  test.setTimeout(420_000);
  await login(page);
  await createVm(page, 'screen-vm');
  await page.getByRole('button', { name: 'Start' }).click();
  await expect(page.getByTestId('vm-state')).toHaveText('running');
  await waitForPrompt(page);

  // The guest paints its text screen blue (the VGA console, tty1): the browser must show exactly that.
  await page.getByTestId('console').click();
  await page.keyboard.type("printf '\\033[44m\\033[2J\\033[1;1Hstrata screen' > /dev/tty1");
  await page.keyboard.press('Enter');
  await page.getByRole('radio', { name: 'Graphical' }).click();
  await expect(page.getByTestId('vnc-status')).toHaveText('connected', { timeout: 30_000 });
  await expect.poll(() => page.evaluate(blueShare), { message: "the guest's blue screen is drawn", timeout: 30_000 }).toBeGreaterThan(0.8);
  await expect(page.getByRole('button', { name: 'Send Ctrl-Alt-Del' })).toBeEnabled();
  await expect(page.getByRole('button', { name: 'Full screen' })).toBeVisible();
  await page.screenshot({ path: 'test-results/vnc-screen.png', fullPage: true });

  // The serial console is still there, and still works.
  await page.getByRole('radio', { name: 'Serial' }).click();
  await page.getByTestId('console').click();
  await page.keyboard.type('echo serial-$((40 + 2))');
  await page.keyboard.press('Enter');
  await waitForConsoleLine(page, (l) => l === 'serial-42', 'the serial console answering');

  // A viewer sees the same screen, read-only, with no Ctrl-Alt-Del to press.
  const session = (await (await page.request.get('/api/v1/auth/session')).json()) as { csrfToken: string };
  const made = await page.request.post('/api/v1/users', {
    headers: { 'x-csrf-token': session.csrfToken },
    data: { username: 'screen-watcher', password: 'watcher-pass-1', role: 'viewer' },
  });
  expect(made.status()).toBe(201);
  const context = await browser.newContext({ baseURL });
  const viewer = await context.newPage();
  await viewer.goto('/');
  await viewer.getByLabel('User', { exact: true }).fill('screen-watcher');
  await viewer.getByLabel('Password').fill('watcher-pass-1');
  await viewer.getByRole('button', { name: 'Sign in' }).click();
  await expect(viewer.getByRole('heading', { name: 'Virtual machines', exact: true })).toBeVisible();
  await viewer.goto(new URL(page.url()).pathname);
  await viewer.getByRole('radio', { name: 'Graphical' }).click();
  await expect(viewer.getByTestId('vnc-status')).toHaveText('connected', { timeout: 30_000 });
  await expect(viewer.getByText(/Read-only: viewers see the screen/)).toBeVisible();
  await expect(viewer.getByRole('button', { name: 'Send Ctrl-Alt-Del' })).toHaveCount(0);
  await expect.poll(() => viewer.evaluate(blueShare), { message: 'the viewer sees the screen', timeout: 30_000 }).toBeGreaterThan(0.8);
  await viewer.screenshot({ path: 'test-results/vnc-viewer.png' });
  await context.close();

  // Ctrl-Alt-Del from the screen: the guest's init powers it off.
  await page.getByRole('radio', { name: 'Graphical' }).click();
  await expect(page.getByTestId('vnc-status')).toHaveText('connected', { timeout: 30_000 });
  await page.getByRole('button', { name: 'Send Ctrl-Alt-Del' }).click();
  await expect(page.getByTestId('vm-state')).toHaveText('stopped', { timeout: 90_000 });

  await page.getByRole('link', { name: 'Images' }).click();
  await page.getByRole('button', { name: 'New blank image…' }).click();
  const create = page.getByRole('dialog', { name: 'New blank image' });
  await create.getByLabel('Name').fill('e2e-blank');
  await create.getByLabel('Size (GiB)').fill('0.5');
  await create.getByRole('button', { name: 'Create' }).click();
  await expect(create).toHaveCount(0);
  await page.getByTestId('node-e2e-blank').click();
  await page.getByRole('button', { name: 'Delete', exact: true }).click();
  const confirm = page.getByRole('dialog', { name: 'Delete e2e-blank?' });
  await page.screenshot({ path: 'test-results/image-delete.png', fullPage: true });
  await confirm.getByRole('button', { name: /^Delete and free/ }).click();
  await expect(page.getByTestId('node-e2e-blank')).toHaveCount(0);

  // Upload from this browser: a qcow2 stated as raw is refused in the server's words, then taken as qcow2.
  const dir = mkdtempSync(join(tmpdir(), 'strata-e2e-upload-'));
  execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', join(dir, 'small.qcow2'), '16M']);
  const file = { name: 'small.img', mimeType: 'application/octet-stream', buffer: readFileSync(join(dir, 'small.qcow2')) };
  rmSync(dir, { recursive: true, force: true });
  await page.getByRole('button', { name: 'Upload…' }).click();
  const upload = page.getByRole('dialog', { name: 'Upload an image' });
  await upload.getByLabel('File').setInputFiles(file);
  await expect(upload.getByLabel('Name')).toHaveValue('small');
  await expect(upload.getByLabel('Format')).toHaveValue('raw');
  await upload.getByRole('button', { name: 'Upload' }).click();
  await expect(upload.getByText(/the file is qcow2, not raw/i)).toBeVisible();
  await upload.getByLabel('Format').selectOption('qcow2');
  await upload.getByRole('button', { name: 'Upload' }).click();
  await expect(upload).toHaveCount(0);
  await expect(page.getByTestId('node-small')).toBeVisible({ timeout: 60_000 });
});
