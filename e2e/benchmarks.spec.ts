import { expect, test } from './fixtures.js';
import { login } from './helpers.js';
import type { Page } from '@playwright/test';
import { AxeBuilder } from '@axe-core/playwright';

// Throwaway VMs boot under TCG on a loaded machine: each wait is on a condition, with room to spare.
const RUN_DONE = { timeout: 12 * 60_000 };

/** No serious or critical axe finding (names, contrast, keyboard access to scrolling tables). */
async function expectAccessible(page: Page, where: string): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']).analyze();
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help}`);
  expect.soft(serious, `accessibility of ${where}`).toEqual([]);
}

/** Starts a run from the dialog with 9p and virtio-blk at 1 MB blocks, 8 MiB per cell, and lands on its page. */
async function startRun(page: Page, patterns: string[]): Promise<string> {
  await page.getByRole('button', { name: 'Run benchmark' }).first().click();
  const dialog = page.getByRole('dialog', { name: 'Run benchmark' });
  // The article's three columns are picked to begin with; IDE goes, virtio-blk stays.
  await expect(dialog.getByRole('checkbox', { name: /^9p/ })).toBeChecked();
  await dialog.getByRole('checkbox', { name: /^IDE/ }).uncheck();
  for (const p of ['Sequential read', 'Sequential write', 'Random read', 'Random write'])
    if (!patterns.includes(p)) await dialog.getByRole('checkbox', { name: p, exact: true }).uncheck();
  for (const b of ['4 KB', '64 KB']) await dialog.getByRole('checkbox', { name: b, exact: true }).uncheck();
  // A size out of range is refused on the field, with the limits.
  await dialog.getByLabel('Size per cell (MiB)').fill('0');
  await expect(dialog.getByText('A whole number of MiB from 1 to 4096.')).toBeVisible();
  await expect(dialog.getByRole('button', { name: 'Start' })).toBeDisabled();
  await dialog.getByLabel('Size per cell (MiB)').fill('8');
  const cells = 4 * patterns.length; // 9p's three msizes and virtio-blk, one block size
  await expect(dialog.getByTestId('bench-estimate')).toContainText(`${cells} cells in 2 throwaway VMs`);
  await dialog.getByRole('button', { name: 'Start' }).click();
  await expect(page).toHaveURL(/\/benchmarks\/[a-z0-9-]+$/);
  return new URL(page.url()).pathname.split('/').at(-1)!;
}

test('run two small benchmarks, read them beside the VirtFS article, and compare them', async ({ page }) => {
  test.setTimeout(30 * 60_000);
  await login(page);
  await page.getByRole('link', { name: 'Benchmarks' }).click();
  await expect(page.getByRole('heading', { name: 'Benchmarks', exact: true })).toBeVisible();

  const first = await startRun(page, ['Sequential read', 'Sequential write']);
  // Progress: cells done out of all, and which one is being measured.
  await expect(page.getByTestId('bench-progress-count')).toContainText(/of 8 cells done/);
  await expect(page.getByTestId('bench-current')).toContainText('Now:');
  // Cancel asks first; keeping the run leaves it running.
  await page.getByRole('button', { name: 'Cancel benchmark…' }).click();
  const confirm = page.getByRole('dialog', { name: 'Cancel this benchmark?' });
  await expect(confirm).toContainText('Cells already measured stay in the run');
  await confirm.getByRole('button', { name: 'Keep running' }).click();
  await expect(confirm).toBeHidden();
  await page.screenshot({ path: 'test-results/bench-running.png', fullPage: true });

  await expect(page.getByTestId('bench-run-state')).toContainText('Finished', RUN_DONE);
  await expect(page.getByTestId('bench-progress')).toBeHidden();

  // The article's layout: a row per block size, a column per variant, MB/s and IOPS in each cell.
  const table = page.getByTestId('bench-table-seq-read');
  for (const heading of ['9p msize 100 MB', '9p msize 512 KiB', '9p kernel default msize', 'virtio-blk'])
    await expect(table.getByRole('columnheader', { name: heading, exact: true })).toBeVisible();
  const row = table.getByRole('row', { name: /^1 MB/ });
  await expect(row.getByRole('cell')).toHaveCount(4);
  for (const cell of await row.getByRole('cell').all()) await expect(cell).toContainText(/MB\/s[\s\S]*IOPS|failed/);
  await expect(page.getByTestId('bench-table-seq-write')).toBeVisible();
  // The article's own numbers beside, KB/s turned into MB/s: 672491 KB/s is 672 MB/s.
  const article = page.getByTestId('bench-article-seq-read');
  await expect(article).toContainText('The VirtFS article’s table — CentOS 6.5 guest on KVM, 4 GB per test');
  await expect(article.getByRole('row', { name: /^1 MB/ })).toContainText('672 MB/s');

  // The chart: every value in its label, and the bars one by one from the keyboard.
  const chart = page.getByTestId('bench-chart-seq-read');
  await expect(chart.getByRole('img')).toHaveAttribute('aria-label', /1 MB: 9p msize 100 MB [\d.]+ MB\/s.*virtio-blk [\d.]+ MB\/s/);
  await chart.getByLabel('Sequential read on this host chart: arrow keys read each bar').focus();
  await page.keyboard.press('End');
  await expect(chart.getByTestId('bench-chart-seq-read-tip')).toContainText(/virtio-blk, 1 MB: ([\d.]+ MB\/s|failed)/);
  // The ratio the run can give at one block size: large sequential, VirtFS over virtio-blk, beside the article's 1.90.
  await expect(page.getByTestId('bench-ratio-large-seq-blk')).toContainText(/1\.90×\s*[\d.]+×/);
  // The rest need block sizes and patterns this run did not measure: folded away, with the article's figure.
  await page.getByText('11 more of the article’s ratios need what this run did not measure').click();
  await expect(page.getByTestId('bench-ratio-block-large-msize')).toContainText('the article: 18.35×');
  // Where it ran, and what Strata's defaults are worth here.
  await expect(page.getByText('File system', { exact: true })).toBeVisible();
  await expect(page.getByTestId('bench-recommendations')).toContainText('9p');
  await page.screenshot({ path: 'test-results/bench-run.png', fullPage: true });
  await expectAccessible(page, 'a finished run');

  // The export is the server's file for this run.
  const csv = await page.request.get(
    await page
      .getByRole('link', { name: 'Export CSV' })
      .getAttribute('href')
      .then((h) => h!),
  );
  expect(csv.status()).toBe(200);
  expect(csv.headers()['content-disposition']).toContain('attachment');
  expect(await csv.text()).toContain('virtio-blk');
  const json = await page.request.get(
    await page
      .getByRole('link', { name: 'Export JSON' })
      .getAttribute('href')
      .then((h) => h!),
  );
  expect((await json.json()).id).toBe(first);

  await page.getByRole('link', { name: '← All benchmark runs' }).click();
  const second = await startRun(page, ['Sequential read']);
  await expect(page.getByTestId('bench-run-state')).toContainText('Finished', RUN_DONE);
  expect(second).not.toBe(first);

  // History: both runs, newest first; tick both and compare cell by cell.
  await page.getByRole('link', { name: '← All benchmark runs' }).click();
  const history = page.getByTestId('bench-history');
  await expect(history.getByRole('listitem')).toHaveCount(2);
  await expect(history.getByRole('listitem').first()).toHaveAttribute('data-testid', `bench-run-${second}`);
  await expect(page.getByRole('button', { name: 'Compare' })).toBeDisabled();
  for (const box of await history.getByRole('checkbox').all()) await box.check();
  await page.getByRole('button', { name: 'Compare' }).click();
  await expect(page).toHaveURL(new RegExp(`/benchmarks/compare\\?a=${first}&b=${second}$`));
  const compare = page.getByTestId('bench-compare-seq-read');
  const cells = compare.getByRole('row', { name: /9p msize 100 MB/ }).getByRole('cell');
  await expect(cells).toHaveText([/^[\d.,]+$/, /^[\d.,]+$/, /^[\d.]+×$/]);
  // The second run measured no writes: those rows say so instead of a ratio.
  await expect(page.getByTestId('bench-compare-seq-write').getByRole('row', { name: /virtio-blk/ })).toContainText('not in B');
  await page.screenshot({ path: 'test-results/bench-compare.png', fullPage: true });
  await expectAccessible(page, 'the comparison');
});
