import type { BenchmarkRun } from '@strata/contract';
import { Card, Facts } from '../../components/card';
import { Notice } from '../../components/feedback';
import { formatBytes, formatTime } from '../../components/format';
import { formatMBps, toMBps } from './bench-table';
import { blockLabel, patternLabel, targetLabel, variantWords } from './bench-words';

/** Where and how the run measured: the host's versions and file system, and what was asked. */
export function RunFacts({ run }: { run: BenchmarkRun }) {
  const { host, options } = run;
  return (
    <div className="grid gap-4 lg:grid-cols-2">
      <Card title="Host">
        <Facts
          rows={[
            ['Host name', host.hostname],
            ['Kernel', host.kernel],
            ['CPU', `${host.cpuModel} (${host.cpus} CPUs)`],
            ['Memory', formatBytes(host.memBytes)],
            ['QEMU', host.qemuVersion],
            ['User-Mode Linux', host.umlVersion],
            ['Accelerator', host.accelerator.toUpperCase()],
            ['File system', host.fileSystem],
          ]}
        />
      </Card>
      <Card title="Options">
        <Facts
          rows={[
            ['Targets', options.targets.map(targetLabel).join(', ')],
            ['Patterns', options.patterns.map(patternLabel).join(', ')],
            ['Block sizes', options.blockSizes.map(blockLabel).join(', ')],
            [
              'Size per cell',
              `${options.sizeMiB} MiB${options.runtimeCapSec ? `, or ${options.runtimeCapSec} s of I/O, whichever ends first` : ''}`,
            ],
            ['Started', formatTime(run.createdAt)],
            ['Finished', formatTime(run.finishedAt)],
          ]}
        />
      </Card>
    </div>
  );
}

/** Per transport, the fastest variant here and Strata's default beside it, with a warning when the default lags. */
export function Recommendations({ run }: { run: BenchmarkRun }) {
  if (run.recommendations.length === 0) return null;
  const rough = run.host.accelerator === 'tcg' || run.options.sizeMiB < 64;
  return (
    <Card title="Recommendations (1 MB sequential read and write)">
      {rough && (
        <p className="mb-3 text-xs text-slate-500">
          Measured {run.host.accelerator === 'tcg' ? 'under TCG (emulated CPU) ' : ''}with {run.options.sizeMiB} MiB per cell: differences
          of a few tens of percent can be noise. Compare two runs, or run with a larger size, before changing a default.
        </p>
      )}
      <ul className="space-y-3 text-sm" data-testid="bench-recommendations">
        {run.recommendations.map((r) => {
          const bestIsDefault = r.defaultVariant !== null && r.defaultVariant === r.bestVariant;
          return (
            <li key={r.target} className="space-y-1">
              <div className="flex flex-wrap items-baseline gap-x-2 gap-y-1">
                <span className="font-semibold">{targetLabel(r.target)}</span>
                <span>
                  fastest: <span className="font-medium">{variantWords(r.bestVariant)}</span>{' '}
                  <span className="tabular-nums">{formatMBps(toMBps(r.bestBytesPerSec))}</span>
                </span>
                {bestIsDefault && (
                  <span className="rounded bg-emerald-100 px-1.5 py-0.5 text-xs font-medium text-emerald-800 dark:bg-emerald-950 dark:text-emerald-300">
                    Strata’s default
                  </span>
                )}
                {r.defaultVariant !== null && !bestIsDefault && (
                  <span className="text-slate-600 dark:text-slate-300">
                    Strata’s default: <span className="font-medium">{variantWords(r.defaultVariant)}</span>{' '}
                    <span className="tabular-nums">{formatMBps(toMBps(r.defaultBytesPerSec))}</span>
                  </span>
                )}
              </div>
              {r.defaultBehind ? (
                <Notice tone="warn">
                  <span className="font-semibold">Strata’s default is behind on this host. </span>
                  {r.message}
                </Notice>
              ) : (
                <p className="text-xs text-slate-500">{r.message}</p>
              )}
            </li>
          );
        })}
      </ul>
    </Card>
  );
}
