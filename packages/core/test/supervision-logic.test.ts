import { describe, expect, it } from 'vitest';
import { cachedOpenCheck } from '../src/image-open-cache.js';
import { invalidImages } from '../src/image-validity.js';
import { lostShareWarning } from '../src/vm-warnings.js';
import { fp, imageRecord as image } from './image-records.js';

describe('cachedOpenCheck', () => {
  it('probes a file once per identity and again when any part of it changes', () => {
    let current = fp();
    const probed: string[] = [];
    const check = cachedOpenCheck(
      () => current,
      (path, format) => {
        probed.push(`${format}:${path}`);
        return current.size === 0 ? 'no longer opens as qcow2' : null;
      },
    );
    expect(check('/a', 'qcow2')).toBeNull();
    expect(check('/a', 'qcow2')).toBeNull();
    expect(probed).toEqual(['qcow2:/a']);
    // The same path asked as another format is another question.
    check('/a', 'raw');
    expect(probed).toHaveLength(2);
    for (const change of [{ size: 0 }, { mtimeNs: '7' }, { ctimeNs: '8' }, { ino: 3 }, { dev: 4 }]) {
      const before = probed.length;
      current = fp(change);
      const answer = check('/a', 'qcow2');
      expect(probed.length, JSON.stringify(change)).toBe(before + 1);
      expect(answer).toBe(change.size === 0 ? 'no longer opens as qcow2' : null);
      check('/a', 'qcow2');
      expect(probed.length).toBe(before + 1);
    }
  });

  it('answers null for a missing file without probing, and forgets the least recently asked beyond its limit', () => {
    const probed: string[] = [];
    const check = cachedOpenCheck(
      (path) => (path === '/gone' ? null : fp()),
      (path) => {
        probed.push(path);
        return null;
      },
      { limit: 2 },
    );
    expect(check('/gone', 'qcow2')).toBeNull();
    expect(probed).toEqual([]);
    check('/a', 'qcow2');
    check('/b', 'qcow2');
    check('/a', 'qcow2'); // /a is now the most recent
    check('/c', 'qcow2'); // /b is forgotten
    check('/a', 'qcow2');
    check('/b', 'qcow2');
    expect(probed).toEqual(['/a', '/b', '/c', '/b']);
  });
});

describe('cachedOpenCheck with a header reader', () => {
  it('does not probe a file that only grew or had its mtime moved with the same header, but does when it shrank or its header changed', () => {
    let current = fp();
    let head = 'QFI\xfb-v3';
    let probes = 0;
    const check = cachedOpenCheck(
      () => current,
      () => {
        probes++;
        return head.startsWith('QFI') && current.size > 0 ? null : 'no longer opens as qcow2';
      },
      { head: () => head },
    );
    expect(check('/top', 'qcow2')).toBeNull();
    expect(probes).toBe(1);
    current = fp({ size: 200, mtimeNs: '9', ctimeNs: '9' }); // a running guest wrote to it
    expect(check('/top', 'qcow2')).toBeNull();
    expect(probes).toBe(1);
    head = 'XXXX-v3'; // magic overwritten in place, same size
    current = fp({ size: 200, mtimeNs: '10', ctimeNs: '10' });
    expect(check('/top', 'qcow2')).toBe('no longer opens as qcow2');
    expect(probes).toBe(2);
    head = 'QFI\xfb-v3';
    current = fp({ size: 200, mtimeNs: '11', ctimeNs: '11' });
    // A file that failed is probed again on any change.
    expect(check('/top', 'qcow2')).toBeNull();
    expect(probes).toBe(3);
    current = fp({ size: 0, mtimeNs: '12', ctimeNs: '12' }); // truncated
    expect(check('/top', 'qcow2')).toBe('no longer opens as qcow2');
    expect(probes).toBe(4);
  });
});

describe('invalidImages with an open check', () => {
  it('marks a file that no longer opens as its format invalid with the reason, and every layer above it', () => {
    const images = [image('base', null), image('mid', 'base'), image('top', 'mid')];
    const reasons = invalidImages({
      images,
      exists: () => true,
      fingerprint: () => fp(),
      openProblem: (path) => (path === '/i/mid' ? 'no longer opens as qcow2 (qemu-img info -f qcow2: Image is not in qcow2 format)' : null),
    });
    expect(reasons.get('mid')).toMatch(/no longer opens as qcow2/);
    expect(reasons.get('top')).toBe('its parent mid is invalid');
    expect(reasons.has('base')).toBe(false);
  });
  it('does not ask about a missing file (that it is missing is the reason)', () => {
    const asked: string[] = [];
    const reasons = invalidImages({
      images: [image('base', null)],
      exists: () => false,
      fingerprint: () => null,
      openProblem: (path) => {
        asked.push(path);
        return 'x';
      },
    });
    expect(reasons.get('base')).toMatch(/is missing/);
    expect(asked).toEqual([]);
  });
});

describe('lostShareWarning', () => {
  it('names the share and what the guest sees', () => {
    expect(lostShareWarning('fs')).toBe("share `fs` lost its daemon; the guest's accesses hang until the VM restarts");
  });
});
