import { describe, expect, it } from 'vitest';
import { collectionsOf, describeRequest } from '../../src/audit/audit-action.js';
import { plainParameters } from '../../src/audit/audit-log.js';

describe('audit action names', () => {
  it('names an action from the matched route: kind, sub-resource, verb', () => {
    const cases: [string, string, Record<string, string>, string, string | null][] = [
      ['POST', '/api/v1/vms', {}, 'vm.create', null],
      ['PATCH', '/api/v1/vms/:id', { id: 'a1' }, 'vm.update', 'a1'],
      ['DELETE', '/api/v1/vms/:id', { id: 'a1' }, 'vm.delete', 'a1'],
      ['POST', '/api/v1/vms/:id/start', { id: 'a1' }, 'vm.start', 'a1'],
      ['PUT', '/api/v1/vms/:id/pinning', { id: 'a1' }, 'vm.pinning.update', 'a1'],
      ['DELETE', '/api/v1/vms/:id/uml/ubd/:device', { id: 'a1', device: 'ubd1' }, 'vm.uml.ubd.delete', 'a1'],
      ['POST', '/api/v1/images/:id/merge', { id: 'i1' }, 'image.merge', 'i1'],
      ['POST', '/api/v1/images/import', {}, 'image.import', null],
      ['POST', '/api/v1/jobs/:id/cancel', { id: 'j1' }, 'job.cancel', 'j1'],
      ['POST', '/api/v1/benchmarks', {}, 'benchmark.create', null],
      ['POST', '/api/v1/host/probe', {}, 'host.probe', null],
    ];
    for (const [method, pattern, params, action, target] of cases) {
      expect(describeRequest(method, pattern, params), `${method} ${pattern}`).toMatchObject({ action, targetId: target });
    }
    const collections = collectionsOf(['/api/v1/vms', '/api/v1/vms/:id', '/api/v1/vms/:id/disks', '/api/v1/vms/:id/disks/:disk']);
    expect([...collections].sort()).toEqual(['/api/v1/vms', '/api/v1/vms/:id/disks']);
    expect(describeRequest('POST', '/api/v1/vms/:id/disks', { id: 'a1' }, undefined, true).action).toBe('vm.disks.create');
    expect(describeRequest('POST', '/api/v1/vms', {}, undefined, true).action).toBe('vm.create');
    expect(describeRequest('POST', '/api/v1/vms/:id/shares', { id: 'a1' }, 'share.attach')).toEqual({
      action: 'share.attach',
      targetKind: 'vm',
      targetId: 'a1',
    });
  });

  it('removes secrets under any name that says so, however deep, and leaves the rest', () => {
    const body = {
      name: 'web',
      password: 'p',
      newPassword: 'p',
      token: 't',
      apiToken: 't',
      api_key: 'k',
      clientSecret: 's',
      nested: { deeper: [{ passphrase: 'x', size: 3 }], Authorization: 'Bearer x' },
    };
    expect(plainParameters(body)).toEqual({
      name: 'web',
      password: '[removed]',
      newPassword: '[removed]',
      token: '[removed]',
      apiToken: '[removed]',
      api_key: '[removed]',
      clientSecret: '[removed]',
      nested: { deeper: [{ passphrase: '[removed]', size: 3 }], Authorization: '[removed]' },
    });
    expect(plainParameters('plain')).toBe('plain');
    expect(plainParameters(null)).toBe(null);
  });
});
