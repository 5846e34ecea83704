import { EmptyState, PageHeader } from '../../components/feedback';

export function BenchmarksPage() {
  return (
    <>
      <PageHeader title="Benchmarks" subtitle="The VirtFS paper's benchmark, re-run on this host for every transport." />
      <EmptyState title="No benchmark runs">Benchmarks run against shares, which this version of Strata does not offer yet.</EmptyState>
    </>
  );
}
