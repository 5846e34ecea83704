import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from './fixtures.js';
import { e2eDataDir } from './env.mjs';
import { login, runInConsole, waitForShell } from './helpers.js';

test('create a UML VM with a hostfs share, read a host file in its console, merge its COW with one click', async ({ page }) => {
  const dir = join(e2eDataDir, 'shares', 'uml-docs');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'note.txt'), 'read through hostfs\n');

  await login(page);
  await page.getByRole('link', { name: 'Shares' }).click();
  await page.getByRole('button', { name: 'New share' }).first().click();
  const create = page.getByRole('dialog', { name: 'New share' });
  await create.getByLabel('Name').fill('uml-docs');
  await create.getByLabel('Host directory').fill(dir);
  await create.getByRole('button', { name: 'Create share' }).click();
  await expect(page.getByTestId('share-uml-docs')).toBeVisible();

  await page.getByRole('link', { name: 'Virtual machines' }).click();
  await page.getByRole('button', { name: 'New VM' }).first().click();
  const dialog = page.getByRole('dialog', { name: 'New virtual machine' });
  await dialog.getByLabel('Name').fill('uml-e2e');
  await dialog.getByLabel('Hypervisor').selectOption('uml');
  await expect(dialog.getByText('UML is uniprocessor')).toBeVisible();
  await expect(dialog.getByLabel('Sockets')).toHaveCount(0);
  await dialog.getByRole('button', { name: 'Create' }).click();
  await expect(page.getByRole('heading', { name: /^uml-e2e/ })).toBeVisible();
  await page.getByRole('tab', { name: 'Overview' }).click();
  await expect(page.getByTestId('vcpu-count')).toHaveText('1 (UML is uniprocessor)');

  await page.getByRole('tab', { name: 'Shares' }).click();
  await page.getByRole('button', { name: 'Attach share' }).click();
  const attach = page.getByRole('dialog', { name: 'Attach a share to uml-e2e' });
  await attach.getByLabel('Share').selectOption({ label: `uml-docs — ${dir}` });
  await expect(attach.getByLabel('Transport')).toHaveValue('hostfs');
  await expect(attach.getByText('may not be seen by the guest')).toBeVisible();
  await attach.getByLabel('Tag').fill('docs');
  await attach.getByRole('button', { name: 'Attach' }).click();
  await expect(page.getByTestId('vm-share-docs')).toContainText('mount -t hostfs -o docs none /mnt/docs');

  await page.getByRole('button', { name: 'Start' }).click();
  await expect(page.getByTestId('vm-state')).toHaveText('running');
  await page.getByRole('tab', { name: 'Console' }).click();
  // UML's own messages ("epollctl add err …") can land on the prompt's line: ask the shell itself.
  await waitForShell(page, 'uml-booted');
  await runInConsole(page, 'cat /mnt/docs/note.txt', 'read through hostfs');
  await runInConsole(page, 'echo kept-by-merge > /root/kept; sync; cat /root/kept', 'kept-by-merge');

  await page.getByRole('tab', { name: 'UML' }).click();
  await page.getByLabel('sysrq key').fill('h');
  await page.getByRole('button', { name: 'Send sysrq' }).click();
  await expect(page.getByTestId('mconsole-reply')).toContainText('sysrq: HELP');

  await page.getByRole('button', { name: 'Shut down' }).click();
  await expect(page.getByTestId('vm-state')).toHaveText('stopped');

  await page.getByRole('tab', { name: 'Disks' }).click();
  await page.getByRole('button', { name: 'Merge…' }).click();
  const merge = page.getByRole('dialog', { name: /^Merge / });
  await expect(merge.getByRole('radio', { name: /Copy into a new base \(safest\)/ })).toBeChecked();
  await merge.getByRole('button', { name: 'Merge', exact: true }).click();
  // A full copy of the 1 GiB base under load takes a while.
  await expect(merge.getByTestId('merge-state')).toHaveText('succeeded', { timeout: 180_000 });
  await page.screenshot({ path: 'test-results/uml-merge.png', fullPage: true });
  await merge.getByRole('button', { name: 'Close' }).click();

  await page.getByRole('button', { name: 'Start' }).click();
  await page.getByRole('tab', { name: 'Console' }).click();
  // UML's own messages ("epollctl add err …") can land on the prompt's line: ask the shell itself.
  await waitForShell(page, 'uml-merged');
  await runInConsole(page, 'cat /root/kept', 'kept-by-merge');
  await page.getByRole('button', { name: 'Force stop' }).click();
  await expect(page.getByTestId('vm-state')).toHaveText('stopped');
});
