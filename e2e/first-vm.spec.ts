import { expect, test } from './fixtures.js';
import { login, waitForConsoleLine, waitForPrompt } from './helpers.js';

test('log in, see the host, create the default VM, boot it, use its console, stop and delete it', async ({ page }) => {
  await login(page);

  await page.getByRole('link', { name: 'Host' }).click();
  const host = await (await page.request.get('/api/v1/host')).json();
  await expect(page.getByTestId('accelerator-selected')).toHaveText(host.accelerator.selected);
  await expect(page.getByTestId('kvm-usable')).toHaveText(host.accelerator.kvm.usable ? 'yes' : 'no');
  await page.screenshot({ path: 'test-results/host.png', fullPage: true });

  await page.getByRole('link', { name: 'Virtual machines' }).click();
  await page.getByRole('button', { name: 'New VM' }).first().click();
  const dialog = page.getByRole('dialog', { name: 'New virtual machine' });
  await expect(dialog.getByLabel('Name')).toHaveValue(/^vm-\d+$/);
  const name = await dialog.getByLabel('Name').inputValue();
  await dialog.getByRole('button', { name: 'Create' }).click();

  await expect(page.getByRole('heading', { name: new RegExp(`^${name}`) })).toBeVisible();
  await expect(page.getByTestId('vm-state')).toHaveText('defined');
  await page.getByRole('button', { name: 'Start' }).click();
  await expect(page.getByTestId('vm-state')).toHaveText('running');
  await expect(page.getByTestId('console-status')).toHaveText('connected');
  await waitForPrompt(page);

  await page.getByTestId('console').click();
  await page.keyboard.type('echo hello');
  await page.keyboard.press('Enter');
  await waitForConsoleLine(page, (l) => l === 'hello', 'the answer to echo hello');
  await page.screenshot({ path: 'test-results/console.png', fullPage: true });

  await page.getByRole('button', { name: 'Shut down' }).click();
  await expect(page.getByTestId('vm-state')).toHaveText('stopped');

  await page.getByRole('button', { name: 'Delete' }).click();
  const confirm = page.getByRole('dialog', { name: `Delete ${name}?` });
  await expect(confirm.getByTestId('layers-to-delete')).toContainText('.qcow2');
  await confirm.getByRole('button', { name: 'Delete VM and its layers' }).click();
  await expect(page.getByRole('heading', { name: 'Virtual machines', exact: true })).toBeVisible();
  await expect(page.getByTestId(`vm-row-${name}`)).toHaveCount(0);
});
