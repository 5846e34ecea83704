import { useId, useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import type { BenchBlockSize, BenchPattern, BenchTarget } from '@strata/contract';
import { ApiError } from '../../api/client';
import { useBenchmarkMutations } from '../../api/benchmarks';
import { useHost } from '../../api/get-host';
import { Button } from '../../components/button';
import { Dialog } from '../../components/dialog';
import { Field, TextInput } from '../../components/field';
import { ErrorBanner } from '../../components/feedback';
import {
  BENCH_DEFAULT_RUNTIME_CAP_SEC,
  BENCH_DEFAULT_SIZE_MIB,
  BENCH_SIZE_MIB_MAX as SIZE_MAX,
  BENCH_SIZE_MIB_MIN as SIZE_MIN,
} from '@strata/contract/bench-defaults';
import { estimateRun, formatDuration } from './bench-estimate';
import { BLOCK_SIZES, blockLabel, PATTERNS, TARGETS } from './bench-words';

function toggle<T>(list: readonly T[], item: T, on: boolean, order: readonly T[]): T[] {
  const next = on ? [...list, item] : list.filter((x) => x !== item);
  return order.filter((x) => next.includes(x));
}

const fieldError = (error: unknown, field: string) => (error instanceof ApiError && error.field === field ? error.message : null);

function Checks<T extends string | number>({
  legend,
  options,
  picked,
  onChange,
  error,
}: {
  legend: string;
  options: readonly { value: T; label: string; hint?: string }[];
  picked: readonly T[];
  onChange: (next: T[]) => void;
  error: string | null;
}) {
  const id = useId();
  return (
    <fieldset aria-describedby={error ? `${id}-error` : undefined} aria-invalid={error ? true : undefined}>
      <legend className="text-sm font-medium text-slate-700 dark:text-slate-300">{legend}</legend>
      <div className="mt-1 space-y-1.5">
        {options.map((o) => (
          <label key={o.value} className="flex items-start gap-2 text-sm">
            <input
              type="checkbox"
              className="mt-0.5 h-4 w-4 shrink-0 accent-indigo-600"
              checked={picked.includes(o.value)}
              onChange={(e) =>
                onChange(
                  toggle(
                    picked,
                    o.value,
                    e.target.checked,
                    options.map((x) => x.value),
                  ),
                )
              }
            />
            <span>
              <span className="font-medium">{o.label}</span>
              {o.hint && <span className="block text-xs text-slate-500 dark:text-slate-400">{o.hint}</span>}
            </span>
          </label>
        ))}
      </div>
      {error && (
        <p id={`${id}-error`} role="alert" className="mt-1 text-xs text-red-600 dark:text-red-400">
          {error}
        </p>
      )}
    </fieldset>
  );
}

/** Picks what to measure, says how long it takes, starts the run and opens its page. */
export function RunDialog({ onClose }: { onClose: () => void }) {
  const { start } = useBenchmarkMutations();
  const accelerator = useHost().data?.accelerator.selected ?? 'tcg';
  const navigate = useNavigate();
  const formId = useId();
  // The article's three columns: 9p against the two disk buses it measured.
  const [targets, setTargets] = useState<BenchTarget[]>(['9p', 'virtio-blk', 'ide']);
  const [patterns, setPatterns] = useState<BenchPattern[]>(['seq-read', 'seq-write', 'rand-read', 'rand-write']);
  const [blockSizes, setBlockSizes] = useState<BenchBlockSize[]>([...BLOCK_SIZES]);
  const [size, setSize] = useState(String(BENCH_DEFAULT_SIZE_MIB));
  const sizeMiB = Number(size);
  const sizeError =
    size.trim() === '' || !Number.isInteger(sizeMiB) || sizeMiB < SIZE_MIN || sizeMiB > SIZE_MAX
      ? `A whole number of MiB from ${SIZE_MIN} to ${SIZE_MAX}.`
      : null;
  const none = (list: readonly unknown[], what: string) => (list.length === 0 ? `Pick at least one ${what}.` : null);
  const errors = {
    targets: none(targets, 'target') ?? fieldError(start.error, 'body.targets'),
    patterns: none(patterns, 'pattern') ?? fieldError(start.error, 'body.patterns'),
    blockSizes: none(blockSizes, 'block size') ?? fieldError(start.error, 'body.blockSizes'),
    size: sizeError ?? fieldError(start.error, 'body.sizeMiB'),
  };
  const valid = !none(targets, '') && !none(patterns, '') && !none(blockSizes, '') && !sizeError;
  const estimate = valid ? estimateRun({ targets, patterns, blockSizes, sizeMiB }, accelerator) : null;
  const busy = start.isPending;
  const other = start.error instanceof ApiError && start.error.field ? null : start.error;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!valid || busy) return;
    start.mutate(
      { targets, patterns, blockSizes, sizeMiB },
      {
        onSuccess: ({ run }) => {
          onClose();
          void navigate(`/benchmarks/${run.id}`);
        },
      },
    );
  };

  return (
    <Dialog
      title="Run benchmark"
      onClose={busy ? () => undefined : onClose}
      footer={
        <>
          <Button onClick={onClose} disabled={busy}>
            Cancel
          </Button>
          <Button variant="primary" type="submit" form={formId} disabled={!valid || busy}>
            {busy ? 'Starting…' : 'Start'}
          </Button>
        </>
      }
    >
      <form id={formId} onSubmit={submit} className="space-y-4">
        <p className="text-sm text-slate-600 dark:text-slate-300">
          Each target boots one throwaway VM with all its variants attached and measures every pattern at every block size with fio,
          bypassing the guest’s cache where the target allows it, as the VirtFS article did. Your VMs are not touched.
        </p>
        <Checks
          legend="Targets"
          options={TARGETS.map((t) => ({
            value: t.target,
            label: `${t.label} (${t.hypervisor}${t.variants > 1 ? `, ${t.variants} variants` : ''})`,
            hint: t.measures,
          }))}
          picked={targets}
          onChange={setTargets}
          error={errors.targets}
        />
        <Checks
          legend="Patterns"
          options={PATTERNS.map((p) => ({ value: p.pattern, label: p.label }))}
          picked={patterns}
          onChange={setPatterns}
          error={errors.patterns}
        />
        <Checks
          legend="Block sizes"
          options={BLOCK_SIZES.map((b) => ({ value: b, label: blockLabel(b) }))}
          picked={blockSizes}
          onChange={setBlockSizes}
          error={errors.blockSizes}
        />
        <Field
          label="Size per cell (MiB)"
          error={errors.size}
          hint={`The I/O each cell reads or writes; the article used 4096 MiB. A cell’s timed part stops after ${BENCH_DEFAULT_RUNTIME_CAP_SEC} s even when its size is not done, and says how much it moved.`}
        >
          <TextInput name="sizeMiB" inputMode="numeric" value={size} onChange={(e) => setSize(e.target.value)} />
        </Field>
        <p className="text-sm" data-testid="bench-estimate" aria-live="polite">
          {estimate
            ? `${estimate.cells} cells in ${estimate.vms} throwaway ${estimate.vms === 1 ? 'VM' : 'VMs'}: ${formatDuration(estimate.seconds)} under ${accelerator.toUpperCase()} (each VM’s boot and each cell’s start in the guest take most of it).`
            : 'Pick at least one of each to see how long it takes.'}
        </p>
      </form>
      {other && <ErrorBanner error={other} />}
    </Dialog>
  );
}
