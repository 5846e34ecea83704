import { expect, test } from './fixtures.js';
import { createVm, login, restartServer, runInConsole, waitForPrompt } from './helpers.js';

test('edit the topology, pin vCPU 0 to CPU 1, restart the server mid-way and keep using the VM', async ({ page }) => {
  await login(page);
  await createVm(page, 'pinned');

  await page.getByRole('tab', { name: 'Overview' }).click();
  await page.getByRole('button', { name: 'Edit' }).first().click();
  const edit = page.getByRole('dialog', { name: 'Edit pinned' });
  await edit.getByLabel('Sockets').fill('2');
  await expect(edit.getByLabel('vCPUs at boot')).toHaveValue('2');
  await edit.getByRole('button', { name: 'Save' }).click();
  await expect(edit).toHaveCount(0);
  await expect(page.getByTestId('topology')).toHaveText('2 sockets × 1 core × 1 thread');
  await expect(page.getByTestId('vcpu-count')).toHaveText('2 of 2');

  await page.getByRole('button', { name: 'Start' }).click();
  await expect(page.getByTestId('vm-state')).toHaveText('running');
  await page.getByRole('tab', { name: 'Console' }).click();
  await waitForPrompt(page);
  await runInConsole(page, 'grep -c ^processor /proc/cpuinfo', '2');

  await page.getByRole('tab', { name: 'vCPUs' }).click();
  await expect(page.getByTestId('vcpu-0-affinity')).toHaveText('0, 1');
  await page.getByLabel('pin vCPU 0 to CPU 1').check();
  await page.getByRole('button', { name: 'Apply pinning' }).click();
  await expect(page.getByTestId('vcpu-0-affinity')).toHaveText('1');
  await expect(page.getByTestId('vcpu-1-affinity')).toHaveText('0, 1');
  await page.screenshot({ path: 'test-results/vcpus.png', fullPage: true });

  await restartServer(page);

  await expect(page.getByTestId('vcpu-0-affinity')).toHaveText('1');
  await page.getByRole('tab', { name: 'Console' }).click();
  await expect(page.getByTestId('console-status')).toHaveText('connected');
  await runInConsole(page, 'echo after-restart-$((1 + 1))', 'after-restart-2');
  await expect(page.getByTestId('vm-state')).toHaveText('running');

  await page.getByRole('button', { name: 'Shut down' }).click();
  await expect(page.getByTestId('vm-state')).toHaveText('stopped');
});
