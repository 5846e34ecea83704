import { describe, expect, it } from 'vitest';
import { dropExpired, holdToasts, nextExpiry, pushToast, type Toast } from '../../src/components/toast-queue';

const toast = (id: number, tone: Toast['tone'], expiresAt = 1000): Toast => ({ id, tone, title: `t${id}`, expiresAt });

describe('toast queue', () => {
  it('keeps the newest last and drops the oldest calm toast past the limit, never an error first', () => {
    let list: Toast[] = [];
    list = pushToast(list, toast(1, 'error'), 3);
    list = pushToast(list, toast(2, 'success'), 3);
    list = pushToast(list, toast(3, 'success'), 3);
    list = pushToast(list, toast(4, 'info'), 3);
    expect(list.map((t) => t.id)).toEqual([1, 3, 4]);
  });

  it('drops the oldest error only when every toast is an error', () => {
    const list = pushToast([toast(1, 'error'), toast(2, 'error')], toast(3, 'error'), 2);
    expect(list.map((t) => t.id)).toEqual([2, 3]);
  });

  it('drops expired toasts and returns the same array when none expired', () => {
    const list = [toast(1, 'success', 100), toast(2, 'error', 200)];
    expect(dropExpired(list, 50)).toBe(list);
    expect(dropExpired(list, 100).map((t) => t.id)).toEqual([2]);
    expect(dropExpired(list, 250)).toEqual([]);
  });

  it('holding postpones only the toasts that would go sooner', () => {
    const held = holdToasts([toast(1, 'success', 100), toast(2, 'error', 900)], 500);
    expect(held.map((t) => t.expiresAt)).toEqual([500, 900]);
  });

  it('the store wakes at the earliest expiry, and not at all with no toast', () => {
    expect(nextExpiry([toast(1, 'success', 300), toast(2, 'error', 200)])).toBe(200);
    expect(nextExpiry([])).toBeNull();
  });
});
