import { EmptyState, PageHeader } from '../../components/feedback';

export function SharesPage() {
  return (
    <>
      <PageHeader title="Shares" subtitle="Host directories exported to VMs over 9p, virtiofs or hostfs." />
      <EmptyState title="No shares">
        This version of Strata cannot export host directories yet; 9p, virtiofs and hostfs shares come with the next release.
      </EmptyState>
    </>
  );
}
