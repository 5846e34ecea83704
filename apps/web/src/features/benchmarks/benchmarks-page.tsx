import { EmptyState, PageHeader } from '../../components/feedback';

export function BenchmarksPage() {
  return (
    <>
      <PageHeader
        title="Benchmarks"
        subtitle="How fast each way of sharing a host directory (9p, virtiofs, hostfs) reads and writes on this host."
      />
      <EmptyState title="No benchmark runs yet">
        Running benchmarks from here is not built yet. Meanwhile, the Shares page shows each share's live throughput.
      </EmptyState>
    </>
  );
}
