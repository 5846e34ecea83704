import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from './fixtures.js';
import { e2eDataDir } from './env.mjs';
import { createVm, login, runInConsole, waitForPrompt } from './helpers.js';

test('create a share, attach it over virtiofs, boot, and list the host file in the guest', async ({ page }) => {
  const dir = join(e2eDataDir, 'shares', 'projects');
  mkdirSync(dir, { recursive: true });
  const file = `from-host-${Date.now()}.txt`;
  writeFileSync(join(dir, file), 'written on the host\n');

  await login(page);
  await page.getByRole('link', { name: 'Shares' }).click();
  await page.getByRole('button', { name: 'New share' }).first().click();
  const create = page.getByRole('dialog', { name: 'New share' });
  await create.getByLabel('Name').fill('projects');
  // A path that leaves the roots is refused on the field, with the reason.
  await create.getByLabel('Host directory').fill('/etc');
  await create.getByRole('button', { name: 'Create share' }).click();
  await expect(create.getByRole('alert')).toContainText('not under an allowed share root');
  await create.getByLabel('Host directory').fill(dir);
  await create.getByRole('button', { name: 'Create share' }).click();
  await expect(page.getByTestId('share-projects')).toContainText(dir);
  await expect(page.getByTestId('share-projects')).toContainText('no VM');

  await page.getByRole('link', { name: 'Virtual machines' }).click();
  await createVm(page, 'share-user');
  await page.getByRole('tab', { name: 'Shares' }).click();
  await page.getByRole('button', { name: 'Attach share' }).click();
  const attach = page.getByRole('dialog', { name: 'Attach a share to share-user' });
  await attach.getByLabel('Transport').selectOption('virtiofs');
  // A share is chosen already, so Attach is ready; Enter in the tag attaches. Other journeys on
  // this server made shares of their own, so this one is picked by name.
  await expect(attach.getByLabel('Share')).toHaveValue(/.+/);
  await attach.getByLabel('Share').selectOption({ label: `projects — ${dir}` });
  await attach.getByLabel('Tag').fill('proj');
  await attach.getByLabel('Tag').press('Enter');
  await expect(page.getByTestId('vm-share-proj')).toContainText('virtiofs');
  await expect(page.getByTestId('vm-share-proj')).toContainText('mount -t virtiofs proj /mnt/proj');
  await expect(page.getByTestId('vm-share-proj')).toContainText('cache: none');
  await expect(page.getByTestId('vm-share-proj')).not.toContainText('xattr=');

  await page.getByRole('button', { name: 'Start' }).click();
  await expect(page.getByTestId('vm-state')).toHaveText('running');
  await page.getByRole('tab', { name: 'Console' }).click();
  await waitForPrompt(page);
  await runInConsole(page, 'ls /mnt/proj', file);
  await page.screenshot({ path: 'test-results/share-console.png', fullPage: true });

  await page.getByRole('link', { name: 'Shares' }).click();
  await expect(page.getByTestId('share-projects')).toContainText('share-user');
  await expect(page.getByTestId('share-projects')).toContainText('running');
  await page.getByTestId('share-projects').getByRole('button', { name: 'Delete' }).click();
  await expect(page.getByRole('dialog', { name: 'Delete share projects?' })).toContainText('Running VMs use it: share-user');
  await page.screenshot({ path: 'test-results/shares.png', fullPage: true });
  await page.getByRole('button', { name: 'Cancel' }).click();

  await page.getByRole('link', { name: 'share-user' }).click();
  await page.getByRole('button', { name: 'Force stop' }).click();
  await expect(page.getByTestId('vm-state')).toHaveText('stopped');
});
