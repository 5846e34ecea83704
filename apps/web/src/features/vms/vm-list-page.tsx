import { useEffect, useState } from 'react';
import { useLocation, useSearchParams } from 'react-router';
import { useVms } from '../../api/get-vms';
import { useTrends } from '../../api/get-trends';
import { useMetrics } from '../../api/metrics-stream';
import { Button } from '../../components/button';
import { TABLET, useMediaQuery } from '../../components/use-media-query';
import { useNow } from '../../components/use-now';
import { EmptyState, ErrorBanner, PageHeader, Spinner, focusPageHeadingIfLost } from '../../components/feedback';
import { plural } from '../../components/format';
import { useRole } from '../../shared/use-role';
import { BulkDialog } from './bulk-dialog';
import { BULK_LABELS, type BulkAction } from './bulk-plan';
import { CreateVmDialog } from './create-vm-dialog';
import { diskBps, shareBps, TREND_MS, trendPoints } from './io-trend';
import {
  DEFAULT_QUERY,
  filterVms,
  parseQuery,
  patchQuery,
  rowFacts,
  sortRows,
  sortToggle,
  type ListQuery,
  type SortKey,
} from './vm-list-query';
import type { VmRow } from './vm-row-cells';
import { VmCards } from './vm-cards';
import { VmListToolbar } from './vm-list-toolbar';
import { VmTable } from './vm-table';

function BulkBar({ count, onAction, onClear }: { count: number; onAction: (a: BulkAction) => void; onClear: () => void }) {
  return (
    <div
      role="toolbar"
      aria-label="Selected VMs"
      className="mb-3 flex flex-wrap items-center gap-2 rounded-lg border border-indigo-200 bg-indigo-50 px-3 py-2 text-sm dark:border-indigo-900 dark:bg-indigo-950/40"
    >
      <span className="mr-1 font-medium">{count} selected</span>
      {(Object.keys(BULK_LABELS) as BulkAction[]).map((a) => (
        <Button key={a} variant={a === 'start' ? 'primary' : a === 'shutdown' ? 'secondary' : 'danger'} onClick={() => onAction(a)}>
          {BULK_LABELS[a]} selected
        </Button>
      ))}
      <Button variant="ghost" onClick={onClear}>
        Clear selection
      </Button>
    </div>
  );
}

export function VmListPage() {
  const { data: vms, error, isPending } = useVms();
  const [params, setParams] = useSearchParams();
  const query = parseQuery(params);
  const changeQuery = (patch: (query: ListQuery) => Partial<ListQuery>) =>
    setParams(patchQuery(new URLSearchParams(window.location.search), patch), { replace: true });
  const sortBy = (key: SortKey) => changeQuery(sortToggle(key));
  const clone = params.get('clone') ?? undefined;
  const [creating, setCreating] = useState(clone !== undefined);
  const [actionError, setActionError] = useState<Error | null>(null);
  const [selection, setSelection] = useState<ReadonlySet<string>>(new Set());
  const [bulk, setBulk] = useState<BulkAction | null>(null);
  const wide = useMediaQuery(TABLET);
  const location = useLocation();
  const role = useRole();
  const metrics = useMetrics();
  const trends = useTrends().data;
  const now = useNow(1000);
  const arrivedFromDelete = (location.state as { focusHeading?: boolean } | null)?.focusHeading === true;
  useEffect(() => {
    // The deleted VM's page, and the button that opened its Delete dialog, are gone.
    if (arrivedFromDelete) focusPageHeadingIfLost();
  }, [arrivedFromDelete, location.key]);
  const closeCreate = () => {
    setCreating(false);
    if (clone) {
      const next = new URLSearchParams(window.location.search);
      next.delete('clone');
      setParams(next);
    }
  };
  const refusal = role.cannot('create VMs');
  const newButton = (
    <Button variant="primary" disabled={refusal !== undefined} title={refusal} onClick={() => setCreating(true)}>
      New VM
    </Button>
  );

  const from = now - TREND_MS;
  const recorded = new Map(trends?.vms.map((t) => [t.vmId, t]) ?? []);
  const shown = filterVms(vms ?? [], query);
  const rows: VmRow[] = sortRows(
    shown.map((vm) => {
      const samples = metrics.vms.get(vm.id) ?? [];
      return {
        ...rowFacts(vm, samples.at(-1), now),
        disk: trendPoints(recorded.get(vm.id)?.disk, samples, diskBps, from),
        shares: trendPoints(recorded.get(vm.id)?.shares, samples, shareBps, from),
      };
    }),
    query.sort,
    query.dir,
  );
  // Only what is shown can be acted on: a filter that hides a selected VM takes it out of the action.
  const chosen = shown.filter((vm) => selection.has(vm.id));
  const select = (ids: string[], on: boolean) => {
    const next = new Set(selection);
    for (const id of ids)
      if (on) next.add(id);
      else next.delete(id);
    setSelection(next);
  };
  const filtered = vms !== undefined && vms.length > 0 && shown.length < vms.length;
  const listProps = {
    rows,
    window: [from, now] as [number, number],
    selected: selection,
    onSelect: select,
    selectable: role.canOperate,
    onError: setActionError,
  };

  return (
    <>
      <PageHeader
        title="Virtual machines"
        subtitle="QEMU and User-Mode Linux guests on copy-on-write layers of shared base images."
        actions={newButton}
      />
      {isPending && <Spinner />}
      {error && <ErrorBanner error={error} />}
      {vms && vms.length === 0 && (
        <EmptyState title="No virtual machines yet" action={newButton}>
          A new VM boots the built-in strata-mini guest from its own overlay, so many VMs share one base image.
        </EmptyState>
      )}
      {actionError && (
        <div className="mb-4">
          <ErrorBanner error={actionError} />
        </div>
      )}
      {vms && vms.length > 0 && (
        <>
          <VmListToolbar query={query} onChange={changeQuery} showSort={!wide} />
          <p className="mb-2 text-xs text-slate-500 dark:text-slate-400" aria-live="polite">
            {filtered ? `${shown.length} of ${plural(vms.length, 'VM')} shown` : plural(vms.length, 'VM')}
            {filtered && (
              <button
                type="button"
                className="ml-2 text-indigo-600 underline hover:no-underline dark:text-indigo-400"
                onClick={() => changeQuery((now) => ({ ...DEFAULT_QUERY, sort: now.sort, dir: now.dir }))}
              >
                Clear filters
              </button>
            )}
          </p>
          {chosen.length > 0 && <BulkBar count={chosen.length} onAction={setBulk} onClear={() => setSelection(new Set())} />}
          {shown.length === 0 ? (
            <EmptyState title="No VM matches">Change the search or the filters above.</EmptyState>
          ) : wide ? (
            <VmTable {...listProps} query={query} onSort={sortBy} />
          ) : (
            <VmCards {...listProps} />
          )}
        </>
      )}
      {creating && <CreateVmDialog vms={vms ?? []} onClose={closeCreate} initialImage={clone} />}
      {bulk && (
        <BulkDialog
          action={bulk}
          vms={chosen}
          onClose={(ran) => {
            setBulk(null);
            if (ran) setSelection(new Set());
          }}
        />
      )}
    </>
  );
}
