import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { e2eDataDir } from './env.mjs';
import { expect, test } from './fixtures.js';
import { login } from './helpers.js';

/** A write the server must accept: it carries the session's CSRF token. */
async function post(page: Page, path: string, body: object): Promise<void> {
  const session = (await (await page.request.get('/api/v1/auth/session')).json()) as { csrfToken: string };
  const res = await page.request.post(`/api/v1${path}`, { headers: { 'x-csrf-token': session.csrfToken }, data: body });
  expect(res.status(), `POST ${path}: ${await res.text()}`).toBeLessThan(300);
}

// Other journeys on the same server leave VMs of their own: this one looks only at its own (list-*).
const rowNames = (page: Page) =>
  page
    .locator('[data-testid^="vm-row-list-"]')
    .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-testid')!.slice('vm-row-'.length)));

const trendPoints = async (page: Page, vmName: string) => {
  const vms = (await (await page.request.get('/api/v1/vms')).json()) as { id: string; name: string }[];
  const id = vms.find((v) => v.name === vmName)!.id;
  const trends = (await (await page.request.get('/api/v1/metrics/trends')).json()) as { vms: { vmId: string; disk: unknown[] }[] };
  return trends.vms.find((t) => t.vmId === id)?.disk.length ?? 0;
};

test('the VM list: create and start, history-backed sparklines, search, filters, sort in the URL, confirmed and bulk actions', async ({
  page,
}) => {
  await login(page);
  await post(page, '/vms', { name: 'list-beta' });
  await post(page, '/vms', { name: 'list-uml', hypervisor: 'uml', memoryMiB: 96 });
  const shareDir = join(e2eDataDir, 'shares', 'list-docs');
  mkdirSync(shareDir, { recursive: true });
  await post(page, '/shares', { name: 'list-docs', path: shareDir });
  await page.reload();

  // The create flow: over-commit and too many vCPUs are said before anything is made.
  await page.getByRole('button', { name: 'New VM' }).first().click();
  const dialog = page.getByRole('dialog', { name: 'New virtual machine' });
  await dialog.getByLabel('Name').fill('list-alpha');
  await dialog.getByLabel('Memory (MiB)').fill('1048576');
  await expect(dialog.getByTestId('memory-note').first()).toContainText("more than this host's");
  await dialog.getByLabel('Memory (MiB)').fill('256');
  await expect(dialog.getByTestId('memory-note')).toHaveCount(0);
  await dialog.getByLabel(/^vCPUs/).fill('64');
  await expect(dialog.getByText(/More than this host's \d+ threads/)).toBeVisible();
  await expect(dialog.getByRole('button', { name: 'Create' })).toBeDisabled();
  await dialog.getByLabel(/^vCPUs/).fill('1');
  await dialog.getByLabel('Disk size (GiB)').fill('2');
  await dialog.getByLabel('list-docs').check();
  await dialog.getByLabel('Start it once created').check();
  await dialog.getByRole('button', { name: 'Create and start' }).click();
  await expect(page.getByRole('heading', { name: /^list-alpha/ })).toBeVisible();
  await expect(page.getByTestId('vm-state')).toHaveText('running');

  // Seconds of history before the list opens: its sparkline must open with them, not grow from empty.
  await expect.poll(() => trendPoints(page, 'list-alpha'), { timeout: 60_000 }).toBeGreaterThanOrEqual(15);
  // With the stream cut off, every point the sparkline opens with comes from the recorded history.
  await page.route('**/api/v1/metrics/stream**', (route) => route.abort());
  await page.goto('/vms');
  const spark = page.getByTestId('spark-list-alpha');
  await expect.poll(async () => Number(await spark.getAttribute('data-points')), { timeout: 30_000 }).toBeGreaterThanOrEqual(15);
  await expect
    .poll(async () => Number(await page.getByTestId('spark-shares-list-alpha').getAttribute('data-points')))
    .toBeGreaterThanOrEqual(15);
  // With the stream back, the line extends live.
  await page.unroute('**/api/v1/metrics/stream**');
  await page.reload();
  await expect.poll(async () => Number(await spark.getAttribute('data-points')), { timeout: 30_000 }).toBeGreaterThanOrEqual(15);
  const opened = Number(await spark.getAttribute('data-points'));
  await expect.poll(async () => Number(await spark.getAttribute('data-points')), { timeout: 20_000 }).toBeGreaterThan(opened + 2);
  await expect(page.getByTestId('vm-row-list-alpha').getByTestId('vm-uptime')).toHaveText(/\d+ (s|min)/);
  await expect(page.getByTestId('vm-row-list-alpha')).toContainText('/ 256 MiB');
  await page.screenshot({ path: 'test-results/list/vm-list-wide.png', fullPage: true });

  // Search by name, kept in the URL across a reload.
  await page.getByLabel('Search by name').fill('bet');
  await expect.poll(() => rowNames(page)).toEqual(['list-beta']);
  await expect(page).toHaveURL(/[?&]q=bet/);
  await page.reload();
  await expect(page.getByLabel('Search by name')).toHaveValue('bet');
  await expect.poll(() => rowNames(page)).toEqual(['list-beta']);
  await page.getByRole('button', { name: 'Clear filters' }).click();
  await expect.poll(() => rowNames(page)).toEqual(['list-alpha', 'list-beta', 'list-uml']);

  // Filters by state and hypervisor.
  await page.getByLabel('State').selectOption('running');
  await expect.poll(() => rowNames(page)).toEqual(['list-alpha']);
  await page.getByLabel('State').selectOption('all');
  await page.getByLabel('Hypervisor').selectOption('uml');
  await expect.poll(() => rowNames(page)).toEqual(['list-uml']);
  await page.getByLabel('Hypervisor').selectOption('all');

  // Sort by a column header, either way, kept in the URL.
  await page.getByRole('button', { name: 'Name' }).click();
  await expect.poll(() => rowNames(page)).toEqual(['list-uml', 'list-beta', 'list-alpha']);
  await expect(page).toHaveURL(/dir=desc/);
  await page.reload();
  await expect.poll(() => rowNames(page)).toEqual(['list-uml', 'list-beta', 'list-alpha']);
  await expect(page.getByRole('columnheader', { name: 'Name' })).toHaveAttribute('aria-sort', 'descending');
  await page.getByRole('button', { name: 'State' }).click();
  await expect.poll(async () => (await rowNames(page))[0]).toBe('list-alpha');

  // The share the create flow attached has its own throughput history on the Shares page.
  await page.getByRole('link', { name: 'Shares' }).click();
  await page.getByRole('button', { name: '15m' }).click();
  await expect(page.getByRole('button', { name: '15m' })).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByTestId('share-chart-list-docs')).toContainText('list-docs: throughput, last 15m');
  await expect(page.getByTestId('share-list-docs')).toContainText('list-alpha');
  await page.screenshot({ path: 'test-results/list/shares-history.png', fullPage: true });
  await page.getByRole('link', { name: 'Virtual machines' }).click();

  // A forced action from the row menu asks first; Cancel leaves the VM running.
  await page.getByRole('button', { name: 'Actions for list-alpha' }).click();
  await page.getByRole('menuitem', { name: 'Reset…' }).click();
  const reset = page.getByRole('dialog', { name: 'Reset list-alpha?' });
  await expect(reset).toContainText('what it had not written to disk is lost');
  await reset.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByTestId('vm-row-list-alpha').getByTestId('vm-state')).toHaveText('running');

  // Bulk force stop: one confirmation naming the VM it stops and the one it leaves out, then progress.
  await page.getByLabel('Select list-alpha').check();
  await page.getByLabel('Select list-beta').check();
  await page.getByRole('button', { name: 'Force stop selected' }).click();
  const stop = page.getByRole('dialog', { name: 'Force stop 1 VM?' });
  await expect(stop.getByTestId('bulk-targets')).toHaveText(/list-alpha/);
  await expect(stop).toContainText('list-beta — already defined');
  await stop.getByRole('button', { name: 'Force stop 1 VM' }).click();
  await expect(stop.getByTestId('bulk-target-list-alpha')).toContainText('done');
  await expect(stop.getByRole('status')).toHaveText('1 of 1 done.');
  await stop.getByRole('button', { name: 'Close' }).click();
  await expect(page.getByTestId('vm-row-list-alpha').getByTestId('vm-state')).toHaveText('stopped');

  // Bulk delete of two stopped VMs, both named in the one confirmation.
  await page.getByLabel('Select list-beta').check();
  await page.getByLabel('Select list-uml').check();
  await page.getByRole('button', { name: 'Delete selected' }).click();
  const del = page.getByRole('dialog', { name: 'Delete 2 VMs?' });
  await expect(del.getByTestId('bulk-targets')).toContainText('list-beta');
  await expect(del.getByTestId('bulk-targets')).toContainText('list-uml');
  await del.getByRole('button', { name: 'Delete 2 VMs' }).click();
  await expect(del.getByRole('status')).toHaveText('2 of 2 done.');
  await del.getByRole('button', { name: 'Close' }).click();
  await expect.poll(() => rowNames(page)).toEqual(['list-alpha']);

  // A phone, dark: cards, nothing wider than the window.
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.setViewportSize({ width: 360, height: 740 });
  await page.reload();
  await expect(page.getByTestId('vm-row-list-alpha').getByTestId('spark-list-alpha')).toBeVisible();
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
  }));
  expect(scrollWidth).toBeLessThanOrEqual(innerWidth);
  await page.screenshot({ path: 'test-results/list/vm-list-360-dark.png', fullPage: true });
  await page.getByRole('button', { name: 'New VM' }).first().click();
  await page.getByRole('dialog', { name: 'New virtual machine' }).getByText('Advanced: CPU topology and accelerator').click();
  await page.screenshot({ path: 'test-results/list/create-360-dark.png', fullPage: false });
});
