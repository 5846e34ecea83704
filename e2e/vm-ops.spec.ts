import { expect, test } from './fixtures.js';
import { createVm, login } from './helpers.js';

test('add a disk from the VM page, grow it, then restart the running VM to apply a pending memory change', async ({ page }) => {
  test.setTimeout(240_000);
  await login(page);
  await createVm(page, 'vmops');

  await page.getByRole('tab', { name: 'Disks' }).click();
  await page.getByRole('button', { name: 'Add disk…' }).click();
  const add = page.getByRole('dialog', { name: 'Add a disk' });
  await add.getByLabel('Size (MiB)').fill('64');
  await add.getByRole('button', { name: 'Add disk' }).click();
  await expect(add).toHaveCount(0);
  const disk1 = page.getByTestId('chain-disk1');
  await expect(disk1.getByTestId('layer')).toHaveCount(1);
  await expect(disk1).toContainText('of 64 MiB');

  const card = page.locator('section').filter({ has: disk1 });
  await card.getByRole('button', { name: 'Grow…' }).click();
  const grow = page.getByRole('dialog', { name: 'Grow disk1' });
  await grow.getByLabel(/New size/).fill('32');
  await expect(grow.getByText(/Only growing/)).toBeVisible();
  await expect(grow.getByRole('button', { name: 'Grow disk' })).toBeDisabled();
  await grow.getByLabel(/New size/).fill('128');
  await grow.getByRole('button', { name: 'Grow disk' }).click();
  await expect(grow).toHaveCount(0);
  await expect(disk1).toContainText('of 128 MiB');

  await page.getByRole('button', { name: 'Start', exact: true }).click();
  await expect(page.getByTestId('vm-state')).toHaveText('running');
  await page.getByRole('tab', { name: 'Overview' }).click();
  await page.getByRole('button', { name: 'Edit' }).first().click();
  const edit = page.getByRole('dialog', { name: 'Edit vmops' });
  await expect(edit.getByText(/kept as a pending change/)).toBeVisible();
  await edit.getByLabel('Memory (MiB)').fill('320');
  await edit.getByLabel('Shutdown timeout (s)').fill('5');
  await edit.getByRole('button', { name: 'Save' }).click();
  await expect(edit).toHaveCount(0);
  const pending = page.getByTestId('pending-changes');
  await expect(pending).toContainText('Pending until restart: memory 256 → 320 MiB');
  await expect(page.getByText('256 MiB', { exact: false }).first()).toBeVisible();

  await pending.getByRole('button', { name: 'Restart now' }).click();
  await expect(pending).toHaveCount(0, { timeout: 120_000 });
  await expect(page.getByTestId('vm-state')).toHaveText('running', { timeout: 60_000 });
  await expect(page.getByText(/· 320 MiB ·/)).toBeVisible();

  await page.getByRole('button', { name: 'Force stop' }).click();
  await expect(page.getByTestId('vm-state')).toHaveText('stopped');
});
