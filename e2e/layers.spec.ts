import { expect, test } from './fixtures.js';
import { createVm, login, runInConsole, waitForPrompt, waitForShell } from './helpers.js';

test('snapshot a running VM, write in the guest, merge the snapshot with one click, reboot: the file is there', async ({ page }) => {
  await login(page);
  await createVm(page, 'layered');
  await page.getByRole('button', { name: 'Start' }).click();
  await expect(page.getByTestId('vm-state')).toHaveText('running');
  await waitForPrompt(page);

  await page.getByRole('tab', { name: 'Disks' }).click();
  await expect(page.getByTestId('layer')).toHaveCount(2);
  await page.getByRole('button', { name: 'Snapshot' }).click();
  const snap = page.getByRole('dialog', { name: 'Snapshot disk0' });
  await snap.getByLabel('Name').fill('before-file');
  await snap.getByRole('button', { name: 'Take snapshot' }).click();
  await expect(page.getByTestId('layer')).toHaveCount(3);
  await expect(page.getByTestId('chain-disk0')).toContainText('before-file');

  await page.getByRole('tab', { name: 'Console' }).click();
  await runInConsole(page, 'echo merged-data > /root/kept; sync; cat /root/kept', 'merged-data');

  await page.getByRole('tab', { name: 'Disks' }).click();
  await page.getByRole('button', { name: 'Delete snapshot, keep its changes…' }).click();
  const merge = page.getByRole('dialog', { name: 'Delete snapshot before-file?' });
  await expect(merge.getByRole('radio', { name: /Delete snapshot before-file, keep its changes/ })).toBeChecked();
  await merge.getByRole('button', { name: 'Delete snapshot', exact: true }).click();
  await expect(merge.getByRole('progressbar')).toBeVisible();
  await expect(merge.getByTestId('merge-state')).toHaveText('succeeded');
  await expect(merge.getByRole('progressbar')).toHaveAttribute('aria-valuenow', '100');
  // The finished state, not a stale "running": the one button left holds focus, and Escape would close.
  await expect(merge).toContainText('Snapshot before-file is deleted; the disk kept all its data.');
  await expect(merge.getByRole('button', { name: 'Close' })).toBeFocused();
  await page.screenshot({ path: 'test-results/merge.png', fullPage: true });
  await merge.getByRole('button', { name: 'Close' }).click();
  await expect(page.getByTestId('layer')).toHaveCount(2);

  await page.getByRole('button', { name: 'Reset' }).click();
  await page.getByRole('tab', { name: 'Console' }).click();
  await waitForShell(page, 'rebooted');
  await runInConsole(page, 'tr a-z A-Z < /root/kept', 'MERGED-DATA');
  await page.getByRole('button', { name: 'Shut down' }).click();
  await expect(page.getByTestId('vm-state')).toHaveText('stopped');

  await page.getByRole('link', { name: 'Images' }).click();
  await expect(page.getByTestId('image-graph')).toBeVisible();
  // Earlier journeys' layers can push this node out of the graph's view: focus pans to it, Enter selects it.
  await page.getByTestId('node-layered-disk0').focus();
  await page.keyboard.press('Enter');
  await expect(page.getByText('written by layered')).toBeVisible();
  await page.getByRole('button', { name: 'Check' }).click();
  await expect(page.getByText('qemu-img check: no errors')).toBeVisible();
  await expect(page.getByTestId('jobs')).toContainText('live commit layered-disk0');
  await page.screenshot({ path: 'test-results/images.png', fullPage: true });
});
