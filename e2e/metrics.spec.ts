import { expect, test } from './fixtures.js';
import { createVm, login, runInConsole, waitForPrompt } from './helpers.js';

const lastValues = async (page: import('@playwright/test').Page, testId: string): Promise<(number | null)[]> =>
  JSON.parse((await page.getByTestId(`${testId}-last`).getAttribute('data-last')) ?? '[]') as (number | null)[];

test('start a write in the console and watch the disk chart rise, live', async ({ page }) => {
  await login(page);
  await createVm(page, 'metered-e2e');
  await page.getByRole('button', { name: 'Start' }).click();
  await expect(page.getByTestId('vm-state')).toHaveText('running');
  await waitForPrompt(page);
  await runInConsole(
    page,
    '(while true; do dd if=/dev/zero of=/root/big bs=1M count=64 oflag=direct 2>/dev/null; done) & echo writer-started',
    'writer-started',
  );

  await page.getByRole('tab', { name: 'Metrics' }).click();
  const chart = page.getByTestId('chart-disk0-throughput');
  await expect(chart).toBeVisible();
  await expect(chart.locator('canvas')).toHaveCount(1);
  // [read, write] of the newest sample: the write side rises above 10 MiB/s while dd runs.
  await expect
    .poll(async () => (await lastValues(page, 'chart-disk0-throughput'))[1] ?? 0, { timeout: 60_000 })
    .toBeGreaterThan(10 * 1048576);
  await page.screenshot({ path: 'test-results/metrics.png', fullPage: true });

  // Paused, the chart keeps its last picture while samples go on arriving: two more of them, as
  // the server's history shows, must change nothing on it.
  await page.getByRole('button', { name: 'Pause charts' }).click();
  const frozen = await lastValues(page, 'chart-disk0-throughput');
  const vmId = new URL(page.url()).pathname.split('/')[2];
  const pausedAt = Date.now();
  await expect
    .poll(
      async () => {
        const url = `/api/v1/metrics/history?vm=${vmId}&series=disk.disk0.write_bps&from=${pausedAt}`;
        return ((await (await page.request.get(url)).json()) as { points: [number, number][] }).points.length;
      },
      { timeout: 60_000 },
    )
    .toBeGreaterThanOrEqual(2);
  expect(await lastValues(page, 'chart-disk0-throughput')).toEqual(frozen);
  await page.getByRole('button', { name: 'Resume charts' }).click();

  await page.getByRole('link', { name: 'Virtual machines' }).click();
  await expect
    .poll(async () => Number(await page.getByTestId('spark-metered-e2e').getAttribute('data-max')), { timeout: 60_000 })
    .toBeGreaterThan(10 * 1048576);
  await page.getByRole('link', { name: 'metered-e2e' }).click();
  await page.getByRole('button', { name: 'Force stop' }).click();
  await expect(page.getByTestId('vm-state')).toHaveText('stopped');
});
