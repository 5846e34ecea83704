import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures.js';
import { login, waitForPrompt } from './helpers.js';

/** The page never scrolls sideways: whatever is wide scrolls inside its own box. */
async function fitsWidth(page: Page, step: string): Promise<void> {
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
  }));
  expect(scrollWidth, `${step}: the page is no wider than the window`).toBeLessThanOrEqual(innerWidth);
}

/** The narrow layout's own parts (menu panel, row menu, cards) pass axe's serious and critical checks. */
async function accessible(page: Page, where: string): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help}`);
  expect.soft(serious, `accessibility violations on ${where}`).toEqual([]);
}

/** An element lies wholly inside the window (nothing of it cut off to the right). */
async function inView(page: Page, locator: ReturnType<Page['locator']>, what: string): Promise<void> {
  const box = await locator.boundingBox();
  const width = page.viewportSize()!.width;
  expect(box, `${what} is laid out`).not.toBeNull();
  expect(box!.x, `${what} starts inside the window`).toBeGreaterThanOrEqual(0);
  expect(box!.x + box!.width, `${what} ends inside the window`).toBeLessThanOrEqual(width);
}

/** Goes to a page through the navigation: the sidebar when wide, the Menu disclosure when narrow. */
async function navigate(page: Page, label: string, narrow: boolean): Promise<void> {
  if (narrow) {
    const menu = page.getByRole('button', { name: 'Menu', exact: true });
    await menu.click();
    await expect(menu).toHaveAttribute('aria-expanded', 'true');
    await page.getByRole('navigation').getByRole('link', { name: label }).click();
    await expect(menu, 'the menu closes on navigation').toHaveAttribute('aria-expanded', 'false');
  } else {
    await page.getByRole('link', { name: label }).click();
  }
}

async function checkNavigation(page: Page, narrow: boolean): Promise<void> {
  const menu = page.getByRole('button', { name: 'Menu', exact: true });
  if (narrow) {
    await expect(page.getByRole('link', { name: 'Host' }), 'the sidebar is folded away').toBeHidden();
    await menu.click();
    await expect(menu).toHaveAttribute('aria-expanded', 'true');
    const navId = await menu.getAttribute('aria-controls');
    await expect(page.locator(`#${navId}`).getByRole('link', { name: 'Host' })).toBeVisible();
    await fitsWidth(page, 'the open menu');
    await accessible(page, 'the open menu');
    await page.keyboard.press('Escape');
    await expect(menu).toHaveAttribute('aria-expanded', 'false');
    await expect(menu, 'Escape gives focus back to the Menu button').toBeFocused();
  } else {
    await expect(menu).toBeHidden();
  }
  await navigate(page, 'Host', narrow);
  await expect(page.getByTestId('kvm-usable')).toBeVisible();
  await fitsWidth(page, 'the host page');
  await navigate(page, 'Virtual machines', narrow);
}

async function journey(page: Page, width: number, height: number): Promise<void> {
  const narrow = width < 1024;
  const name = `fit-${width}`;
  await page.setViewportSize({ width, height });
  await login(page);
  await fitsWidth(page, 'the VM list');

  await page.getByRole('button', { name: 'New VM' }).first().click();
  const create = page.getByRole('dialog', { name: 'New virtual machine' });
  await inView(page, create, 'the New VM dialog');
  await fitsWidth(page, 'the New VM dialog');
  await create.getByLabel('Name').fill(name);
  await create.getByRole('button', { name: 'Create' }).click();
  await expect(page.getByRole('heading', { name: new RegExp(`^${name}`) })).toBeVisible();
  await fitsWidth(page, "the VM's page");

  // Power actions from the list's row menu, which fits a phone and a 1024 px window alike.
  await navigate(page, 'Virtual machines', narrow);
  const row = page.getByTestId(`vm-row-${name}`);
  const actions = row.getByRole('button', { name: `Actions for ${name}` });
  await inView(page, actions, 'the Actions button');
  await actions.click();
  const rowMenu = page.getByRole('menu', { name: `Actions for ${name}` });
  await expect(rowMenu.getByRole('menuitem', { name: 'Start' })).toBeFocused();
  await inView(page, rowMenu, 'the row menu');
  await accessible(page, 'the VM list with its row menu open');
  await page.keyboard.press('Enter');
  await expect(row.getByTestId('vm-state')).toHaveText(/starting|running/);

  // The guest boots meanwhile.
  await checkNavigation(page, narrow);

  await expect(row.getByTestId('vm-state')).toHaveText('running');
  await fitsWidth(page, 'the list with a running VM');
  await actions.focus();
  await page.keyboard.press('ArrowDown');
  await expect(rowMenu.getByRole('menuitem').first()).toBeFocused();
  await page.keyboard.press('ArrowDown');
  await expect(rowMenu.getByRole('menuitem').nth(1)).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(rowMenu).toBeHidden();
  await expect(actions, 'Escape gives focus back to the Actions button').toBeFocused();

  await row.getByRole('link', { name }).click();
  await expect(page.getByTestId('vm-state')).toHaveText('running');
  await expect(page.getByTestId('console-status')).toHaveText('connected');
  await waitForPrompt(page);
  const term = await page.getByTestId('console').boundingBox();
  const main = await page.getByRole('main').boundingBox();
  expect(term!.width, 'the console takes the width of the page').toBeGreaterThan(main!.width - 80);
  expect(term!.height, 'the console is tall enough to read').toBeGreaterThanOrEqual(Math.min(300, height / 2));
  await fitsWidth(page, 'the console');
  await page.screenshot({ path: test.info().outputPath(`console-${width}.png`) });

  await page.getByRole('tab', { name: 'Metrics' }).click();
  await expect(page.getByRole('tab', { name: 'Metrics' })).toHaveAttribute('aria-selected', 'true');
  await fitsWidth(page, 'the Metrics tab');

  // A snapshot adds a row with its buttons: on a phone they wrap under the name, not off the page.
  await page.getByRole('tab', { name: 'Disks' }).click();
  await page.getByRole('button', { name: 'Snapshot', exact: true }).click();
  const snap = page.getByRole('dialog', { name: /^Snapshot / });
  await snap.getByLabel('Name').fill('fits');
  await snap.getByLabel('Name').press('Enter');
  await expect(snap).toBeHidden();
  await expect(page.getByTestId('layer').filter({ hasText: 'snapshot fits' })).toBeVisible();
  await fitsWidth(page, 'the Disks tab with a snapshot');
  await inView(page, page.getByRole('button', { name: 'Delete snapshot, keep its changes…' }), 'the snapshot’s buttons');
  await page.screenshot({ path: test.info().outputPath(`disks-${width}.png`), fullPage: true });

  await page.getByRole('button', { name: 'Force stop' }).click();
  await expect(page.getByTestId('vm-state')).toHaveText('stopped');
  await page.getByRole('button', { name: 'Delete', exact: true }).click();
  const confirm = page.getByRole('dialog', { name: `Delete ${name}?` });
  await inView(page, confirm, 'the delete confirmation');
  await fitsWidth(page, 'the delete confirmation');
  await confirm.getByRole('button', { name: 'Delete VM and its layers' }).click();
  await expect(page.getByRole('heading', { name: 'Virtual machines', exact: true })).toBeVisible();
  await expect(page.getByTestId(`vm-row-${name}`)).toHaveCount(0);
  await fitsWidth(page, 'the list after the delete');
}

test('on a phone (390 × 844) every step fits the screen: menu, VM list cards, console, metrics, dialogs', async ({ page }) => {
  await journey(page, 390, 844);
});

test('on a 1024 × 700 tablet every step fits: sidebar, full VM table with its row menu, console, metrics, dialogs', async ({ page }) => {
  await journey(page, 1024, 700);
});
