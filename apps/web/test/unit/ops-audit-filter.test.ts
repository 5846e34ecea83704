import { describe, expect, it } from 'vitest';
import { actorText, auditSearch, localToIso, outcomeText, rangeProblem } from '../../src/shared/audit-filter';

describe('audit filter → query string', () => {
  it('leaves out empty fields, trims text and adds the page', () => {
    const q = new URLSearchParams(auditSearch({ user: '  alice ', action: '', target: 'vm-1' }, { limit: 50, before: 812 }));
    expect([...q.entries()]).toEqual([
      ['user', 'alice'],
      ['target', 'vm-1'],
      ['limit', '50'],
      ['before', '812'],
    ]);
  });

  it('turns local times into ISO instants and drops one that is not a time', () => {
    const from = '2026-11-30T06:15';
    const q = new URLSearchParams(auditSearch({ from, to: 'yesterday' }, {}));
    expect(q.get('from')).toBe(new Date(from).toISOString());
    expect(q.has('to')).toBe(false);
    expect(localToIso('2026-13-45T99:99')).toBeNull();
  });

  it('encodes what a user typed, so it cannot add parameters of its own', () => {
    const q = new URLSearchParams(auditSearch({ user: 'a&before=1', action: 'vm.' }, {}));
    expect(q.get('user')).toBe('a&before=1');
    expect(q.has('before')).toBe(false);
    expect(q.get('action')).toBe('vm.');
  });

  it('says why a time range cannot be asked for', () => {
    expect(rangeProblem({ from: '2026-11-30T07:00', to: '2026-11-30T06:00' })).toBe('From must be before To.');
    expect(rangeProblem({ from: 'soon' })).toBe('From is not a date and time.');
    expect(rangeProblem({ from: '2026-11-30T06:00', to: '2026-11-30T07:00' })).toBeNull();
  });

  it('words the outcome and the actor', () => {
    expect(outcomeText({ status: 201, errorCode: null })).toEqual({ ok: true, text: 'OK' });
    expect(outcomeText({ status: 403, errorCode: 'forbidden' })).toEqual({ ok: false, text: 'Refused: 403 forbidden' });
    expect(outcomeText({ status: 500, errorCode: 'internal_error' })).toEqual({ ok: false, text: 'Failed: 500 internal error' });
    expect(actorText({ user: 'ops', via: 'token' })).toBe('ops (API token)');
    expect(actorText({ user: null, via: null })).toBe('nobody signed in');
  });
});
