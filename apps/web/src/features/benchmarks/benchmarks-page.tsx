import { useState } from 'react';
import { useNavigate } from 'react-router';
import { useBenchmarks } from '../../api/benchmarks';
import { Button } from '../../components/button';
import { EmptyState, ErrorBanner, PageHeader, Spinner } from '../../components/feedback';
import { HistoryList } from './history-list';
import { RunDialog } from './run-dialog';
import { useRole } from '../../shared/use-role';

/** The runs so far, a button to start one, and two picked runs compared. */
export function BenchmarksPage() {
  const { data: runs, error, isPending } = useBenchmarks();
  const [open, setOpen] = useState(false);
  const [picked, setPicked] = useState<string[]>([]);
  const navigate = useNavigate();
  const refusal = useRole().cannot('run benchmarks');
  const runButton = (
    <Button variant="primary" disabled={refusal !== undefined} title={refusal} onClick={() => setOpen(true)}>
      Run benchmark
    </Button>
  );
  const compare = () => {
    // A is the older run, so B ÷ A reads as "how the newer one did".
    const [a, b] = (runs ?? []).filter((r) => picked.includes(r.id)).reverse();
    if (a && b) void navigate(`/benchmarks/compare?a=${encodeURIComponent(a.id)}&b=${encodeURIComponent(b.id)}`);
  };
  return (
    <>
      <PageHeader
        title="Benchmarks"
        subtitle="The VirtFS article’s table re-run on this host: 9p, virtiofs and hostfs shares beside virtio-blk, virtio-scsi, IDE and ubd disks."
        actions={runButton}
      />
      {isPending && <Spinner />}
      {error && <ErrorBanner error={error} />}
      {runs && runs.length === 0 && (
        <EmptyState title="No benchmark runs yet" action={runButton}>
          A run boots throwaway VMs and measures each target’s throughput with fio; your VMs are not touched.
        </EmptyState>
      )}
      {runs && runs.length > 0 && (
        <section aria-labelledby="bench-history-heading" className="space-y-3">
          <div className="flex flex-wrap items-center justify-between gap-2">
            <h2 id="bench-history-heading" className="text-base font-semibold">
              History
            </h2>
            <div className="flex items-center gap-3">
              <span className="text-sm text-slate-500" aria-live="polite">
                {picked.length === 2 ? '2 runs picked' : `Tick two runs to compare (${picked.length} of 2)`}
              </span>
              <Button disabled={picked.length !== 2} onClick={compare}>
                Compare
              </Button>
            </div>
          </div>
          <HistoryList
            runs={runs}
            picked={picked}
            onPick={(id, on) => setPicked((p) => (on ? [...p.filter((x) => x !== id), id].slice(-2) : p.filter((x) => x !== id)))}
          />
        </section>
      )}
      {open && <RunDialog onClose={() => setOpen(false)} />}
    </>
  );
}
