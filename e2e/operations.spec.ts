import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, Page } from '@playwright/test';
import { e2eDataDir } from './env.mjs';
import { expect, test } from './fixtures.js';
import { login } from './helpers.js';

const VIEWER = { username: 'watcher', password: 'viewer-pass-1' };
const OPERATOR = { username: 'ops1', password: 'operator-pass-1' };
const VM = 'ops-vm';
const SHARE = 'ops-docs';

/** The share of sampled pixels of the noVNC canvas that are not black: the guest's text screen is drawn. */
const litShare = () => {
  const canvas = document.querySelector<HTMLCanvasElement>('[data-testid="vnc-screen"] canvas');
  const ctx = canvas?.getContext('2d');
  if (!canvas || !ctx || canvas.width === 0 || canvas.height === 0) return -1;
  const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
  let lit = 0;
  let all = 0;
  for (let i = 0; i < data.length; i += 4 * 7, all++) if (data[i]! + data[i + 1]! + data[i + 2]! > 200) lit++;
  return lit / all;
};

async function addUser(page: Page, user: { username: string; password: string }, role: 'Viewer' | 'Operator') {
  await page.getByRole('button', { name: 'New user' }).click();
  const dialog = page.getByRole('dialog', { name: 'New user' });
  await dialog.getByLabel('Name').fill(user.username);
  await dialog.getByLabel('Password').fill(user.password);
  await dialog.getByLabel('Role').selectOption({ label: role });
  await dialog.getByRole('button', { name: 'Create user' }).click();
  await expect(dialog).toHaveCount(0);
  const row = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: user.username, exact: true }) });
  await expect(row.getByLabel(`Role of ${user.username}`)).toHaveValue(role.toLowerCase());
  await expect(row).toContainText('Active');
}

/** axe-core as the a11y journey runs it: no violation of impact serious or critical. */
async function expectAccessible(page: Page, where: string): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']).analyze();
  const serious = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  expect.soft(serious, `serious or critical accessibility violations on ${where}`).toEqual([]);
}

/** A fresh browser context (no cookies shared with the admin's), signed in as `user`. */
async function signInAs(browser: Browser, baseURL: string, user: { username: string; password: string }): Promise<Page> {
  const context = await browser.newContext({ baseURL });
  const page = await context.newPage();
  await page.goto('/');
  await page.getByLabel('User', { exact: true }).fill(user.username);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Virtual machines', exact: true })).toBeVisible();
  return page;
}

/** A mutating request from the page's own session, CSRF token included, so only the role can refuse it. */
async function post(page: Page, path: string, data?: object): Promise<{ status: number; body: { code?: string; message?: string } }> {
  const session = (await (await page.request.get('/api/v1/auth/session')).json()) as { csrfToken: string };
  const res = await page.request.post(`/api/v1${path}`, { headers: { 'x-csrf-token': session.csrfToken }, data });
  return { status: res.status(), body: (await res.json().catch(() => ({}))) as { code?: string; message?: string } };
}

const vmIdFromUrl = (page: Page) => /\/vms\/([a-z0-9-]+)\//.exec(page.url())?.[1] ?? '';

/** An API token, shown once: copied from its dialog, it works as a Bearer token until it is revoked. */
async function tokenRoundTrip(page: Page, baseURL: string, owner: string) {
  await page.getByRole('button', { name: `API tokens of ${owner}` }).click();
  const dialog = page.getByRole('dialog', { name: `API tokens of ${owner}` });
  await expect(dialog.getByText('No tokens yet.')).toBeVisible();
  await dialog.getByLabel("New token's name").fill('ci-script');
  await dialog.getByRole('button', { name: 'Create token' }).click();
  const shown = page.getByRole('dialog', { name: `New API token for ${owner}` });
  await expect(shown).toContainText('cannot show it again');
  const token = await shown.getByLabel('The new token ci-script').inputValue();
  expect(token.length).toBeGreaterThan(20);
  await shown.getByRole('button', { name: 'Copy' }).click();
  await expect(shown.getByRole('status')).toHaveText(/Copied to the clipboard|the token is selected/);
  await shown.getByRole('button', { name: 'I have copied it' }).click();
  await expect(dialog.getByTestId('token')).toContainText(['ci-script']);
  await expect(dialog).not.toContainText(token);

  const bearer = async () =>
    (await page.request.get(`${baseURL}/api/v1/vms`, { headers: { authorization: `Bearer ${token}` }, failOnStatusCode: false })).status();
  expect(await bearer()).toBe(200);
  await dialog.getByRole('button', { name: 'Revoke ci-script' }).click();
  await dialog.getByRole('button', { name: 'Revoke', exact: true }).click();
  await expect(dialog.getByText('No tokens yet.')).toBeVisible();
  expect(await bearer()).toBe(401);
  await dialog.getByRole('button', { name: 'Close' }).click();
}

test('an admin makes a viewer and an operator; the operator runs a VM with toasts, tasks and activity; the viewer changes nothing', async ({
  page,
  browser,
}, testInfo) => {
  const baseURL = String(testInfo.project.use.baseURL);
  await login(page);

  // Users: the menu offers the page to an admin; the last admin cannot be deleted, in the server's words.
  await page.getByRole('link', { name: 'Users' }).first().click();
  await expect(page.getByRole('heading', { name: 'Users', exact: true })).toBeVisible();
  await addUser(page, VIEWER, 'Viewer');
  await addUser(page, OPERATOR, 'Operator');
  await tokenRoundTrip(page, baseURL, OPERATOR.username);
  await page.getByRole('button', { name: 'Delete admin' }).click();
  const refuse = page.getByRole('dialog', { name: 'Delete admin?' });
  const failedToast = expect(page.getByTestId('toast').filter({ hasText: 'Delete user admin failed' })).toContainText('last admin', {
    timeout: 90_000,
  });
  await refuse.getByRole('button', { name: 'Delete user' }).click();
  await expect(refuse.getByRole('alert')).toContainText('admin is the last admin');
  await refuse.getByRole('button', { name: 'Cancel' }).click();
  await failedToast;
  await page.screenshot({ path: testInfo.outputPath('users.png'), fullPage: true });
  await expectAccessible(page, 'the Users page with toasts');

  // A share for the operator's VM, made by the admin.
  const shareDir = join(e2eDataDir, 'shares', SHARE);
  mkdirSync(shareDir, { recursive: true });
  expect((await post(page, '/shares', { name: SHARE, path: shareDir })).status).toBe(201);

  // The operator: no Users page; the create flow with 2 vCPUs, a 2 GiB disk and the share; each action is a toast and a task.
  const ops = await signInAs(browser, baseURL, OPERATOR);
  await expect(ops.getByRole('link', { name: 'Users' })).toHaveCount(0);
  // A toast goes after a few seconds: each is awaited from before the click, so a slow page cannot miss it.
  const createdToast = expect(ops.getByTestId('toast').filter({ hasText: `Create VM ${VM}` })).toBeVisible({ timeout: 90_000 });
  await ops.getByRole('button', { name: 'New VM' }).first().click();
  const create = ops.getByRole('dialog', { name: 'New virtual machine' });
  await create.getByLabel('Name').fill(VM);
  await create.getByLabel(/^vCPUs/).fill('2');
  await create.getByLabel('Disk size (GiB)').fill('2');
  await create.getByLabel(SHARE).check();
  await create.getByRole('button', { name: 'Create', exact: true }).click();
  await expect(ops.getByRole('heading', { name: new RegExp(`^${VM}`) })).toBeVisible();
  await createdToast;
  const vmId = vmIdFromUrl(ops);
  expect(vmId).not.toBe('');
  const made = (await (await ops.request.get(`/api/v1/vms/${vmId}`)).json()) as {
    vcpus: number;
    shares: { name?: string; shareId?: string }[];
  };
  expect(made.vcpus).toBe(2);
  expect(made.shares).toHaveLength(1);

  // A second disk from the VM page, before the first start.
  await ops.getByRole('tab', { name: 'Disks' }).click();
  await expect(ops.getByTestId('chain-disk0')).toContainText('of 2 GiB');
  await ops.getByRole('button', { name: 'Add disk…' }).click();
  const add = ops.getByRole('dialog', { name: 'Add a disk' });
  await add.getByLabel('Size (MiB)').fill('64');
  await add.getByRole('button', { name: 'Add disk' }).click();
  await expect(add).toHaveCount(0);
  await expect(ops.getByTestId('chain-disk1')).toContainText('of 64 MiB');

  const startedToast = expect(ops.getByTestId('toast').filter({ hasText: `Start ${VM}` })).toBeVisible({ timeout: 90_000 });
  await ops.getByRole('button', { name: 'Start', exact: true }).click();
  await startedToast;
  await ops.getByRole('button', { name: /^Tasks/ }).click();
  const tasks = ops.getByRole('dialog', { name: 'Tasks' });
  await expect(tasks.getByTestId('task').filter({ hasText: `Start ${VM}` })).toBeVisible();
  await expect(tasks.getByTestId('task').filter({ hasText: `Create VM ${VM}` })).toContainText('done');
  await ops.screenshot({ path: testInfo.outputPath('tasks.png') });
  await expectAccessible(ops, 'the Tasks panel');
  await tasks.getByRole('button', { name: 'Close' }).click();
  await expect(ops.getByTestId('vm-state')).toHaveText(/starting|running/);
  // The graphical console shows the guest's screen: the BIOS lines, then the shell the guest gives its VGA console.
  await ops.getByRole('tab', { name: 'Console' }).click();
  await ops.getByRole('radio', { name: 'Graphical' }).click();
  await expect(ops.getByRole('button', { name: 'Send Ctrl-Alt-Del' })).toBeVisible();
  await expect.poll(() => ops.evaluate(litShare), { message: "the guest's screen is drawn", timeout: 150_000 }).toBeGreaterThan(0.002);
  await ops.screenshot({ path: testInfo.outputPath('screen.png') });
  // The VM is not needed running: a forced stop spares the machine's CPU.
  await expect.poll(async () => (await post(ops, `/vms/${vmId}/stop`)).status, { timeout: 60_000 }).toBe(200);
  await expect(ops.getByTestId('vm-state')).toHaveText(/stopped|crashed/, { timeout: 60_000 });

  // Activity names the operator as the one who created it, on the global page and on the VM's tab.
  await ops.getByRole('link', { name: 'Activity' }).first().click();
  await ops.getByLabel('User', { exact: true }).fill(OPERATOR.username);
  await ops.getByRole('button', { name: 'Apply filters' }).click();
  const created = ops.getByTestId('audit-entry').filter({ hasText: 'vm.create' });
  await expect(created).toHaveCount(1);
  await expect(created).toContainText(OPERATOR.username);
  await expect(created).toContainText('OK');
  const exported = await ops.request.get(
    (await ops.getByRole('link', { name: 'Export as JSON lines' }).getAttribute('href')) ?? '/api/v1/audit/export',
  );
  expect(exported.status()).toBe(200);
  const lines = (await exported.text())
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { user: string; action: string; targetId: string });
  expect(lines.length).toBeGreaterThan(0);
  expect(lines.every((l) => l.user === OPERATOR.username)).toBe(true);
  expect(lines.some((l) => l.action === 'vm.create' && l.targetId === vmId)).toBe(true);
  for (const action of ['share.attach', 'vm.disks.create', 'vm.start', 'vm.stop']) {
    expect(
      lines.some((l) => l.action === action && l.targetId === vmId),
      `${action} is in the operator's activity`,
    ).toBe(true);
  }
  await ops.screenshot({ path: testInfo.outputPath('activity.png'), fullPage: true });
  await expectAccessible(ops, 'the Activity page');
  await ops.goto(`/vms/${vmId}/activity`);
  await expect(ops.getByTestId('audit-entry').filter({ hasText: 'vm.start' })).toContainText(OPERATOR.username);

  // The viewer sees the VM, but Start is off with the reason, the console is read-only, and the API refuses too.
  const viewer = await signInAs(browser, baseURL, VIEWER);
  await expect(viewer.getByText('You are signed in as a viewer')).toBeVisible();
  await viewer.goto(`/vms/${vmId}/overview`);
  const start = viewer.getByRole('button', { name: 'Start', exact: true });
  await expect(start).toBeDisabled();
  await expect(start).toHaveAttribute('title', /^Viewers cannot/);
  await expect(viewer.getByRole('button', { name: 'Delete', exact: true })).toBeDisabled();
  await viewer.getByRole('tab', { name: 'Console' }).click();
  await expect(viewer.getByText('Read-only: viewers see the console')).toBeVisible();
  const refused = await post(viewer, `/vms/${vmId}/start`);
  expect(refused.status).toBe(403);
  expect(refused.body.code).toBe('role_required');
  await expect(viewer.getByTestId('vm-state')).toHaveText(/stopped|crashed/);
  await viewer.screenshot({ path: testInfo.outputPath('viewer.png') });
  await expectAccessible(viewer, "a viewer's VM console");
  // At phone width in the dark theme the page keeps its width: the activity table scrolls in its own box.
  await ops.setViewportSize({ width: 390, height: 844 });
  await ops.evaluate(() => localStorage.setItem('strata-theme', 'dark'));
  await ops.goto('/activity');
  await expect(ops.getByTestId('audit-entry').first()).toBeVisible();
  expect(await ops.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
  // The filters fold away on a phone and open on demand.
  await expect(ops.getByLabel('Action')).toBeHidden();
  await ops.getByText('Filters', { exact: true }).click();
  await ops.getByLabel('Action').fill('vm.');
  await ops.getByRole('button', { name: 'Apply filters' }).click();
  await expect(ops.getByText('Filters (1 set)')).toBeVisible();
  await expect(ops.getByTestId('audit-entry').filter({ hasText: 'login' })).toHaveCount(0);
  await expect(ops.getByTestId('audit-entry').filter({ hasText: 'vm.create' }).filter({ hasText: VM })).toHaveCount(1);
  await ops.screenshot({ path: testInfo.outputPath('activity-phone-dark.png'), fullPage: true });
  await expectAccessible(ops, 'the Activity page at phone width, dark');
  await ops.getByRole('button', { name: /^Tasks/ }).click();
  // A reload starts a new session of the page: its own actions are gone, the server's jobs would remain.
  await expect(ops.getByRole('dialog', { name: 'Tasks' })).toContainText('Nothing is running.');
  await ops.screenshot({ path: testInfo.outputPath('tasks-phone-dark.png') });

  await page.setViewportSize({ width: 390, height: 844 });
  await page.evaluate(() => localStorage.setItem('strata-theme', 'dark'));
  await page.goto('/users');
  // Other journeys on the same server may have made users of their own: one row for each.
  const users = (await (await page.request.get('/api/v1/users')).json()) as unknown[];
  await expect(page.getByTestId('user-row')).toHaveCount(users.length);
  expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
  await page.screenshot({ path: testInfo.outputPath('users-phone-dark.png'), fullPage: true });
  await expectAccessible(page, 'the Users page at phone width, dark');

  // The admin changes a role, resets a password and disables a user: each takes effect on the server at once.
  const roleToast = expect(page.getByTestId('toast').filter({ hasText: 'Make watcher an operator' })).toBeVisible({ timeout: 90_000 });
  await page.getByLabel('Role of watcher').selectOption('operator');
  await roleToast;
  await expect(page.getByLabel('Role of watcher')).toHaveValue('operator');
  await page.getByRole('button', { name: 'Disable watcher' }).click();
  await expect(page.getByTestId('user-row').filter({ has: page.getByText(VIEWER.username, { exact: true }) })).toContainText('Disabled');
  expect((await viewer.request.get('/api/v1/vms')).status()).toBe(401);
  // ops1's account may have been taken: its two tokens go with the old password, in the same step.
  const opsId = ((await (await page.request.get('/api/v1/users')).json()) as { id: string; username: string }[]).find(
    (u) => u.username === OPERATOR.username,
  )!.id;
  const opsTokens: string[] = [];
  for (const name of ['nightly', 'backup']) {
    const made = await post(page, `/users/${opsId}/tokens`, { name });
    expect(made.status).toBe(201);
    opsTokens.push((made.body as { token: string }).token);
  }
  const withToken = async (token: string) =>
    (await page.request.get(`${baseURL}/api/v1/vms`, { headers: { authorization: `Bearer ${token}` }, failOnStatusCode: false })).status();
  // The page loaded its list before these tokens existed: the dialog counts them afresh.
  await page.getByRole('button', { name: 'Reset the password of ops1' }).click();
  const reset = page.getByRole('dialog', { name: 'Reset the password of ops1' });
  await reset.getByLabel('New password').fill('short');
  await expect(reset.getByText('Password must be at least 8 characters.')).toBeVisible();
  await expect(reset.getByRole('button', { name: 'Set password' })).toBeDisabled();
  await reset.getByLabel('New password').fill('operator-pass-2');
  await reset.getByLabel("Also revoke ops1's 2 API tokens").check();
  await expect(reset).toContainText('Tokens outlive a new password');
  await reset.getByRole('button', { name: 'Set password' }).click();
  await expect(reset).toHaveCount(0);
  expect((await ops.request.get('/api/v1/vms')).status(), "a new password ends the user's other sessions").toBe(401);
  for (const token of opsTokens) expect(await withToken(token), 'a revoked token').toBe(401);
  await page.getByRole('button', { name: 'API tokens of ops1' }).click();
  await expect(page.getByRole('dialog', { name: 'API tokens of ops1' }).getByText('No tokens yet.')).toBeVisible();
  await page.getByRole('dialog', { name: 'API tokens of ops1' }).getByRole('button', { name: 'Close' }).click();

  await viewer.context().close();
  await ops.context().close();
});
