import { describe, expect, it } from 'vitest';
import { memoryNotes, simpleTopology, transportFor, uniqueTags } from '../../src/features/vms/create-vm-rules';

const GiB = 1024 ** 3;
const host = { totalBytes: 8 * GiB, availableBytes: 6 * GiB };

describe('memoryNotes: over-commit said before it is made', () => {
  it('says nothing when the host has room for it and every defined VM', () => {
    expect(memoryNotes(1024, host, [{ state: 'running', memoryMiB: 1024 }])).toEqual([]);
  });

  it('warns when the VMs running now and this one are given more than the host has', () => {
    const notes = memoryNotes(3072, host, [
      { state: 'running', memoryMiB: 4096 },
      { state: 'paused', memoryMiB: 2048 },
      { state: 'stopped', memoryMiB: 8192 },
    ]);
    expect(notes).toHaveLength(1);
    expect(notes[0]!.tone).toBe('warn');
    expect(notes[0]!.text).toMatch(/6 GiB.*9 GiB of the host's 8 GiB: memory over-committed/);
  });

  it('notes, without warning, that the defined VMs together could not all run', () => {
    const notes = memoryNotes(2048, host, [
      { state: 'running', memoryMiB: 2048 },
      { state: 'stopped', memoryMiB: 6144 },
    ]);
    expect(notes.map((n) => n.tone)).toEqual(['info']);
    expect(notes[0]!.text).toMatch(/10 GiB of 8 GiB/);
  });

  it('warns about more than the host has at all, and about more than is free now', () => {
    expect(memoryNotes(16384, host, [])[0]!.text).toMatch(/more than this host's 8 GiB/);
    const tight = memoryNotes(7168, { totalBytes: 8 * GiB, availableBytes: 2 * GiB }, []);
    expect(tight[0]).toMatchObject({ tone: 'warn', text: expect.stringMatching(/Only 2 GiB is free/) });
  });
});

describe('the simple CPU and share choices', () => {
  it('puts N vCPUs on one socket of N cores', () => {
    expect(simpleTopology(4)).toEqual({ sockets: 1, cores: 4, threads: 1 });
  });

  it('picks hostfs for UML, virtiofs where the host has it, else 9p', () => {
    expect(transportFor('uml', true)).toBe('hostfs');
    expect(transportFor('qemu', true)).toBe('virtiofs');
    expect(transportFor('qemu', false)).toBe('9p');
  });

  it('makes mount tags from share names, unique on the VM', () => {
    expect(uniqueTags(['docs', 'my docs', 'my.docs', ''])).toEqual(['docs', 'my-docs', 'my-docs-2', 'share']);
    expect(uniqueTags(['x'.repeat(40)])[0]).toHaveLength(31);
  });
});
