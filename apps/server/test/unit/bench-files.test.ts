import { chmodSync, mkdtempSync, mkdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BenchmarkRun } from '@strata/contract';
import { csvField, runToCsv } from '../../src/benchmarks/bench-export.js';
import { findReferenceFile, loadReference } from '../../src/benchmarks/reference-file.js';
import { runDir } from '../../src/benchmarks/bench-lab.js';

const serverDir = resolve(import.meta.dirname, '../..');

describe("the VirtFS article's table beside the server", () => {
  it('is found from the sources and from the bundle (dist/main.js)', () => {
    const expected = join(serverDir, 'reference', 'virtfs-article-table.csv');
    expect(findReferenceFile(join(serverDir, 'src', 'benchmarks'))).toBe(expected);
    expect(findReferenceFile(join(serverDir, 'dist'))).toBe(expected);
    expect(loadReference().rows).toHaveLength(12);
  });

  it('says so when it is missing', () => {
    const empty = mkdtempSync(join(tmpdir(), 'strata-ref-'));
    try {
      mkdirSync(join(empty, 'a', 'b'), { recursive: true });
      expect(() => findReferenceFile(join(empty, 'a', 'b'))).toThrow(/VirtFS article's table/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('CSV export', () => {
  it('quotes every field, and defuses what a spreadsheet would run as a formula, also after leading blanks', () => {
    expect(csvField('plain')).toBe('"plain"');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('=HYPERLINK("http://x")')).toBe(`"'=HYPERLINK(""http://x"")"`);
    expect(csvField('-1+2')).toBe(`"'-1+2"`);
    expect(csvField('  =1+1')).toBe(`"'  =1+1"`);
    expect(csvField('\u00a0@SUM(A1)')).toBe(`"'\u00a0@SUM(A1)"`);
    expect(csvField('\u200b\t+cmd')).toBe(`"'\u200b\t+cmd"`);
    expect(csvField('\uff1dcmd')).toBe(`"'\uff1dcmd"`);
    expect(csvField('\tx')).toBe(`"'\tx"`);
    expect(csvField('a = b')).toBe('"a = b"');
    expect(csvField(-5)).toBe('"-5"');
    expect(csvField(null)).toBe('""');
  });

  it('writes one row per cell under a header, and no newline a guest sent splits a row', () => {
    const run = {
      id: 'r1',
      jobId: 'j1',
      state: 'succeeded',
      host: {
        hostname: 'h',
        kernel: 'k',
        cpuModel: 'c',
        cpus: 2,
        memBytes: 1,
        qemuVersion: 'q',
        umlVersion: 'u',
        accelerator: 'tcg',
        fileSystem: 'ext4',
      },
      options: { targets: ['9p'], patterns: ['seq-read'], blockSizes: [4096], sizeMiB: 16 },
      cells: [
        {
          target: '9p',
          variant: 'msize 100000000',
          options: {},
          pattern: 'seq-read',
          blockSize: 4096,
          state: 'done',
          bytesPerSec: 2e6,
          iops: 488.3,
          direct: true,
        },
        {
          target: '9p',
          variant: 'kernel default msize',
          options: {},
          pattern: 'seq-read',
          blockSize: 4096,
          state: 'failed',
          bytesPerSec: null,
          iops: null,
          error: 'fio failed:\n=cmd',
        },
      ],
      recommendations: [],
      createdAt: 't',
      finishedAt: 't',
    } satisfies BenchmarkRun;
    const lines = runToCsv(run).trimEnd().split('\n');
    expect(lines[2]).toBe(
      '"target","variant","pattern","block_size","state","bytes_per_sec","mb_per_sec","iops","io_bytes","runtime_ms","direct","note","error"',
    );
    expect(lines[3]).toBe('"9p","msize 100000000","seq-read","4096","done","2000000","2.00","488","","","true","",""');
    expect(lines.slice(4).join('\n')).toBe(
      '"9p","kernel default msize","seq-read","4096","failed","","","","","","","","fio failed:\n=cmd"',
    );
  });
});

describe("the run's directory under the share root", () => {
  it('is made 0700 once, found again, and a symlink or a directory open to others at its name is refused', () => {
    const shareRoot = mkdtempSync(join(tmpdir(), 'strata-benchdir-'));
    try {
      const made = runDir({ shareRoot }, 'abc123');
      expect(statSync(made.path).mode & 0o777).toBe(0o700);
      expect(runDir({ shareRoot }, 'abc123')).toEqual(made);
      mkdirSync(join(shareRoot, 'elsewhere'));
      symlinkSync(join(shareRoot, 'elsewhere'), join(shareRoot, 'strata-bench-def456'));
      expect(() => runDir({ shareRoot }, 'def456')).toThrow(/not the benchmark's own directory/);
      mkdirSync(join(shareRoot, 'strata-bench-0a0a0a'), { mode: 0o777 });
      chmodSync(join(shareRoot, 'strata-bench-0a0a0a'), 0o777);
      expect(() => runDir({ shareRoot }, '0a0a0a')).toThrow(/not the benchmark's own directory/);
    } finally {
      rmSync(shareRoot, { recursive: true, force: true });
    }
  });
});
