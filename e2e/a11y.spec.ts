import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures.js';
import { createVm, login } from './helpers.js';

/*
 * axe-core on every page of the app, in the light and the dark theme: no violation of impact
 * serious or critical (contrast, names, labels, ARIA roles and their required parts).
 */

type Theme = 'light' | 'dark';

/** The event stream keeps the network busy for good, so "settled" means no spinner left. */
const settled = (page: Page) => expect(page.getByText(/^Loading.*…$/)).toHaveCount(0);

async function expectNoSeriousViolations(page: Page, where: string): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']).analyze();
  const serious = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) => `${v.id} (${v.impact}): ${v.help}\n${v.nodes.map((n) => `    ${n.target.join(' ')} — ${n.failureSummary ?? ''}`).join('\n')}`,
    );
  expect.soft(serious, `serious or critical accessibility violations on ${where}`).toEqual([]);
}

/** The app's theme switch stores the choice; the system preference is set to match so nothing disagrees. */
async function useTheme(page: Page, theme: Theme): Promise<void> {
  await page.emulateMedia({ colorScheme: theme });
  await page.evaluate((t) => localStorage.setItem('strata-theme', t), theme);
  await page.reload();
  await expect(page.locator('html')).toHaveClass(theme === 'dark' ? /\bdark\b/ : /^(?!.*\bdark\b)/);
}

test('every page in the light and the dark theme passes an axe check', async ({ page }) => {
  const name = `a11y-${Date.now() % 100000}`;
  for (const theme of ['light', 'dark'] as const) {
    await page.goto('/');
    await useTheme(page, theme);
    if (theme === 'light') {
      await expect(page.getByLabel('Password')).toBeVisible();
      await expectNoSeriousViolations(page, `the login page (${theme})`);
      await login(page);
      await createVm(page, name);
      await page.getByRole('button', { name: 'Start' }).click();
      await expect(page.getByTestId('vm-state')).toHaveText('running');
      await page.goto('/vms');
    } else {
      await expect(page.getByRole('heading', { name: 'Virtual machines', exact: true })).toBeVisible();
    }

    await expect(page.getByTestId(`vm-row-${name}`)).toBeVisible();
    await expectNoSeriousViolations(page, `the VM list (${theme})`);
    await page.getByRole('button', { name: 'New VM' }).first().click();
    await expect(page.getByRole('dialog', { name: 'New virtual machine' })).toBeVisible();
    await expectNoSeriousViolations(page, `the New VM dialog (${theme})`);
    await page.keyboard.press('Escape');

    await page.getByRole('link', { name, exact: true }).first().click();
    await expect(page.getByRole('tab', { name: 'Console', selected: true })).toBeVisible();
    const tabs = await page.getByRole('tab').allInnerTexts();
    expect(tabs.length).toBeGreaterThan(4);
    for (const tab of tabs) {
      await page.getByRole('tab', { name: tab, exact: true }).click();
      await expect(page.getByRole('tab', { name: tab, exact: true })).toHaveAttribute('aria-selected', 'true');
      await settled(page);
      await expectNoSeriousViolations(page, `the ${tab} tab of a running VM (${theme})`);
    }
    await page.getByRole('tab', { name: 'Overview', exact: true }).click();
    await page.getByRole('button', { name: 'Edit' }).first().click();
    await expect(page.getByRole('dialog', { name: `Edit ${name}` })).toBeVisible();
    await expectNoSeriousViolations(page, `the Edit dialog (${theme})`);
    await page.keyboard.press('Escape');

    await page.getByRole('link', { name: 'Images' }).click();
    await page.getByRole('treeitem').first().click();
    await expect(page.getByRole('treeitem', { selected: true })).toBeVisible();
    await expectNoSeriousViolations(page, `the Images page with a layer selected (${theme})`);

    for (const [link, heading] of [
      ['Shares', 'Shares'],
      ['Host', 'Host'],
      ['Benchmarks', 'Benchmarks'],
    ] as const) {
      await page.getByRole('link', { name: link, exact: true }).click();
      await expect(page.getByRole('heading', { name: heading, level: 1 })).toBeVisible();
      await settled(page);
      await expectNoSeriousViolations(page, `the ${link} page (${theme})`);
    }
  }
  // Left running, its guest would load every later journey on this shared server.
  await page.getByRole('link', { name: 'Virtual machines' }).first().click();
  await page.getByRole('link', { name }).click();
  await page.getByRole('button', { name: 'Force stop' }).click();
  await expect(page.getByTestId('vm-state')).toHaveText('stopped');
});
