import type { Locator, Page } from '@playwright/test';
import { expect, test } from './fixtures.js';
import { e2ePassword } from './env.mjs';

/*
 * The whole life of a VM with the keyboard alone: no click, no fill. Locators only find elements
 * to compare with document.activeElement; every action is a key press.
 */

const isFocused = (target: Locator) => target.evaluate((el) => el === document.activeElement);

/** Presses Tab until target has focus, as a keyboard user would, and fails if it never does. */
async function tabTo(page: Page, target: Locator, { max = 60, back = false } = {}): Promise<void> {
  await expect(target).toBeVisible();
  for (let i = 0; i < max; i++) {
    if (await isFocused(target)) return;
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
  }
  await expect(target, `reached by ${back ? 'Shift+Tab' : 'Tab'}`).toBeFocused({ timeout: 1 });
}

/** Tabs (and Shift+Tabs) well past the dialog's length: focus never leaves it for the page behind. */
async function expectFocusHeld(page: Page, dialog: Locator): Promise<void> {
  const inside = () => dialog.evaluate((d) => d.contains(document.activeElement));
  expect(await inside(), 'focus moved into the dialog').toBe(true);
  for (const key of ['Tab', 'Shift+Tab']) {
    for (let i = 0; i < 25; i++) {
      await page.keyboard.press(key);
      expect(await inside(), `focus still inside after ${i + 1} × ${key}`).toBe(true);
    }
  }
}

/** Moves along a WAI-ARIA tab list with the arrow keys (automatic activation) to the named tab. */
async function arrowToTab(page: Page, name: string, { back = false } = {}): Promise<void> {
  await tabTo(page, page.getByRole('tab', { selected: true }), { back });
  const target = page.getByRole('tab', { name, exact: true });
  for (let i = 0; i < 10 && !(await isFocused(target)); i++) await page.keyboard.press('ArrowRight');
  await expect(target).toBeFocused();
  await expect(target).toHaveAttribute('aria-selected', 'true');
}

const focusedLabel = (page: Page) => page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? '');

/** Walks the tree depth first with the arrow keys alone (Right: child, Down: sibling, Left: parent) to a node. */
async function walkTreeTo(page: Page, name: RegExp): Promise<void> {
  const moved = async (key: string) => {
    const before = await focusedLabel(page);
    await page.keyboard.press(key);
    return (await focusedLabel(page)) !== before;
  };
  for (let steps = 0; steps < 80 && !name.test(await focusedLabel(page)); steps++) {
    if (await moved('ArrowRight')) continue;
    while (!(await moved('ArrowDown'))) {
      if (!(await moved('ArrowLeft'))) return;
    }
  }
}

test('with the keyboard only: create a VM, start it, use the console, take a snapshot, walk the image graph, stop and delete it', async ({
  page,
}) => {
  await page.goto('/');
  await expect(page.getByLabel('Password')).toBeFocused();
  await page.keyboard.type(e2ePassword);
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: 'Virtual machines', exact: true })).toBeVisible();

  // Escape closes the dialog and gives focus back to the button that opened it.
  const newVm = page.getByRole('button', { name: 'New VM' }).first();
  await tabTo(page, newVm);
  await page.keyboard.press('Enter');
  const create = page.getByRole('dialog', { name: 'New virtual machine' });
  await expect(create.getByLabel('Name')).toBeFocused();
  await expectFocusHeld(page, create);
  await page.keyboard.press('Escape');
  await expect(create).toBeHidden();
  await expect(newVm).toBeFocused();

  await page.keyboard.press('Enter');
  await expect(create.getByLabel('Name')).toBeFocused();
  const name = `kb-${Date.now() % 100000}`;
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.type(name);
  await tabTo(page, create.getByRole('button', { name: 'Create' }));
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: new RegExp(`^${name}`) })).toBeVisible();

  await tabTo(page, page.getByRole('button', { name: 'Start' }));
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('vm-state')).toHaveText('running');

  // The Console tab opens first, and its terminal takes focus once connected. It keeps Tab for
  // the shell; Ctrl+] (or Shift+Esc) hands focus back to the page.
  await expect(page.getByRole('tab', { name: 'Console', selected: true })).toBeVisible();
  await expect(page.getByTestId('console-status')).toHaveText('connected');
  const terminalInput = page.locator('[data-testid="console"] textarea');
  await expect(terminalInput).toBeFocused();
  await expect(page.getByTestId('console-keys')).toContainText('Ctrl+]');
  await page.keyboard.press('Tab');
  await expect(terminalInput, 'Tab stays in the terminal, for the shell').toBeFocused();
  await page.keyboard.press('Control+BracketRight');
  const frame = page.getByTestId('console-frame');
  await expect(frame).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(terminalInput).toBeFocused();
  await page.keyboard.press('Shift+Escape');
  await expect(frame).toBeFocused();
  await page.keyboard.press('Shift+Tab');
  await expect(terminalInput).not.toBeFocused();
  await expect(frame).not.toBeFocused();

  await arrowToTab(page, 'Disks', { back: true });
  const snapshotButton = page.getByRole('button', { name: 'Snapshot', exact: true });
  await tabTo(page, snapshotButton);
  await page.keyboard.press('Enter');
  const snapshot = page.getByRole('dialog', { name: /^Snapshot / });
  await expect(snapshot.getByLabel('Name')).toBeFocused();
  await expectFocusHeld(page, snapshot);
  await tabTo(page, snapshot.getByLabel('Name'));
  await page.keyboard.type('before-upgrade');
  // Enter in a field submits the dialog, as it does in any form.
  await page.keyboard.press('Enter');
  await expect(snapshot).toBeHidden();
  await expect(snapshotButton).toBeFocused();
  await expect(page.getByTestId('layer').filter({ hasText: 'snapshot before-upgrade' })).toBeVisible();

  // The image forest: Tab reaches one node, arrows walk the tree, Enter selects.
  await tabTo(page, page.getByRole('link', { name: 'Images' }), { back: true });
  await page.keyboard.press('Enter');
  const tree = page.getByRole('tree', { name: 'Image layers' });
  await expect(tree).toBeVisible();
  await tabTo(page, tree.getByRole('treeitem').and(page.locator('[tabindex="0"]')));
  const first = page.locator(':focus');
  await expect(first).toHaveAttribute('aria-level', '1');
  await walkTreeTo(page, /snapshot before-upgrade/);
  const snapshotNode = tree.getByRole('treeitem', { name: /snapshot before-upgrade/ });
  await expect(snapshotNode).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(snapshotNode).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByRole('heading', { name: 'Snapshot before-upgrade' })).toBeVisible();
  await page.keyboard.press('ArrowLeft');
  await expect(snapshotNode).not.toBeFocused();
  await expect(page.locator(':focus')).toHaveAttribute('role', 'treeitem');

  await page.goBack();
  await expect(page.getByRole('heading', { name: new RegExp(`^${name}`) })).toBeVisible();
  await tabTo(page, page.getByRole('button', { name: 'Force stop' }));
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('vm-state')).toHaveText('stopped');

  // A confirmation starts on its safe button.
  const deleteButton = page.getByRole('button', { name: 'Delete', exact: true });
  await tabTo(page, deleteButton);
  await page.keyboard.press('Enter');
  const confirm = page.getByRole('dialog', { name: `Delete ${name}?` });
  await expect(confirm.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await expectFocusHeld(page, confirm);
  await page.keyboard.press('Escape');
  await expect(confirm).toBeHidden();
  await expect(deleteButton).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(confirm.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await tabTo(page, confirm.getByRole('button', { name: 'Delete VM and its layers' }));
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: 'Virtual machines', exact: true })).toBeVisible();
  await expect(page.getByTestId(`vm-row-${name}`)).toHaveCount(0);
});
