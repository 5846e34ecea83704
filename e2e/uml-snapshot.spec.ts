import { expect, test } from './fixtures.js';
import { login, runInConsole, waitForShell } from './helpers.js';

test("a UML disk's snapshot runs as a job the dialog follows, and the Tasks list still has it after a reload", async ({ page }) => {
  await login(page);
  await page.getByRole('button', { name: 'New VM' }).first().click();
  const dialog = page.getByRole('dialog', { name: 'New virtual machine' });
  await dialog.getByLabel('Name').fill('uml-snap');
  await dialog.getByLabel('Hypervisor').selectOption('uml');
  await dialog.getByRole('button', { name: 'Create' }).click();
  await expect(page.getByRole('heading', { name: /^uml-snap/ })).toBeVisible();

  // UML makes the COW at the first start: boot once and write something to keep.
  await page.getByRole('button', { name: 'Start' }).click();
  await expect(page.getByTestId('vm-state')).toHaveText('running');
  await page.getByRole('tab', { name: 'Console' }).click();
  // UML's own messages ("epollctl add err …") can land on the prompt's line: ask the shell itself.
  await waitForShell(page, 'uml-snap-booted');
  await runInConsole(page, 'echo in-the-snapshot > /root/snap; sync; cat /root/snap', 'in-the-snapshot');
  await page.getByRole('button', { name: 'Shut down' }).click();
  await expect(page.getByTestId('vm-state')).toHaveText('stopped');

  await page.getByRole('tab', { name: 'Disks' }).click();
  await page.getByRole('button', { name: 'Snapshot' }).click();
  const snap = page.getByRole('dialog', { name: 'Snapshot disk0' });
  await expect(snap.getByText('uml_moo merges the COW with its backing')).toBeVisible();
  await snap.getByLabel('Name').fill('moo-snap');
  await snap.getByRole('button', { name: 'Take snapshot' }).click();
  await expect(snap.getByTestId('snapshot-job')).toContainText('Snapshot moo-snap of uml-snap disk0');
  await expect(snap.getByTestId('snapshot-job-state')).toHaveText('succeeded', { timeout: 180_000 });
  await expect(snap.getByText('moo-snap of disk0 is taken')).toBeVisible();
  await snap.getByRole('button', { name: 'Close' }).click();
  await expect(page.getByTestId('chain-disk0')).toContainText('moo-snap');

  await page.reload();
  await page.getByRole('button', { name: /^Tasks/ }).click();
  const tasks = page.getByRole('dialog', { name: 'Tasks' });
  await expect(tasks.getByRole('list', { name: 'Recent' })).toContainText('Snapshot moo-snap of uml-snap disk0');
});
