import { Link } from 'react-router';
import type { AuditEntry } from '@strata/contract';
import { useAudit } from '../api/audit';
import { useVms } from '../api/get-vms';
import { useImages } from '../api/get-images';
import { Button } from '../components/button';
import { EmptyState, ErrorBanner, Spinner } from '../components/feedback';
import { actorText, outcomeText, type AuditFilter } from './audit-filter';

const cell = 'px-3 py-2 align-top';

function Target({ entry, names }: { entry: AuditEntry; names: Map<string, string> }) {
  if (!entry.targetKind) return <span className="text-slate-400">—</span>;
  const id = entry.targetId;
  const name = id ? (names.get(id) ?? id) : '';
  if (entry.targetKind === 'vm' && id && names.has(id))
    return (
      <Link className="underline" to={`/vms/${encodeURIComponent(id)}/activity`}>
        VM {name}
      </Link>
    );
  return (
    <span className="[overflow-wrap:anywhere]">
      {entry.targetKind} {name}
    </span>
  );
}

function Row({ entry, names }: { entry: AuditEntry; names: Map<string, string> }) {
  const outcome = outcomeText(entry);
  const hasDetails = entry.route !== null || (entry.parameters !== null && entry.parameters !== undefined);
  return (
    <tr data-testid="audit-entry" className="border-t border-slate-100 dark:border-slate-800">
      <td className={`${cell} whitespace-nowrap`}>
        <time dateTime={entry.at}>{new Date(entry.at).toLocaleString()}</time>
      </td>
      <td className={cell}>{actorText(entry)}</td>
      <td className={`${cell} font-mono text-xs`}>{entry.address}</td>
      <td className={cell}>
        <span className="font-mono text-xs">{entry.action}</span>
        {hasDetails && (
          <details className="mt-1 text-xs text-slate-500 dark:text-slate-400">
            <summary className="cursor-pointer">Request</summary>
            {entry.route && (
              <p className="font-mono">
                {entry.method} {entry.route}
              </p>
            )}
            {entry.parameters !== null && entry.parameters !== undefined && (
              <pre className="mt-1 max-w-xs overflow-x-auto rounded bg-slate-100 p-1.5 dark:bg-slate-950">
                {JSON.stringify(entry.parameters, null, 2)}
              </pre>
            )}
          </details>
        )}
      </td>
      <td className={cell}>
        <Target entry={entry} names={names} />
      </td>
      <td
        className={`${cell} whitespace-nowrap ${outcome.ok ? 'text-emerald-700 dark:text-emerald-400' : 'text-red-700 dark:text-red-400'}`}
      >
        {outcome.text}
      </td>
    </tr>
  );
}

/**
 * Audit entries matching a filter, newest first, a page at a time. Targets are named from the VMs
 * and images the web already holds; one no longer known keeps its id.
 */
export function AuditLog({ filter, caption }: { filter: AuditFilter; caption: string }) {
  const audit = useAudit(filter);
  const vms = useVms().data ?? [];
  const images = useImages().data ?? [];
  const names = new Map<string, string>([...vms, ...images].map((x) => [x.id, x.name]));
  if (audit.isPending) return <Spinner label="Reading the activity" />;
  if (audit.error) return <ErrorBanner error={audit.error} />;
  const entries = audit.data.pages.flatMap((p) => p.entries);
  if (entries.length === 0)
    return <EmptyState title="No activity">Nothing recorded matches. Changes and sign-ins show here as they happen.</EmptyState>;
  return (
    <div className="space-y-3">
      <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white shadow-sm dark:border-slate-800 dark:bg-slate-900">
        <table className="w-full min-w-[44rem] text-left text-sm">
          <caption className="sr-only">{caption}</caption>
          <thead className="bg-slate-50 text-xs text-slate-500 uppercase dark:bg-slate-950 dark:text-slate-400">
            <tr>
              {['Time', 'User', 'Address', 'Action', 'Target', 'Outcome'].map((h) => (
                <th key={h} scope="col" className="px-3 py-2 font-medium">
                  {h}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <Row key={e.id} entry={e} names={names} />
            ))}
          </tbody>
        </table>
      </div>
      <div className="flex items-center justify-between gap-3 text-sm text-slate-500">
        <span role="status">{`${entries.length} ${entries.length === 1 ? 'entry' : 'entries'} shown${audit.hasNextPage ? '; older ones remain' : ''}`}</span>
        {audit.hasNextPage && (
          <Button onClick={() => void audit.fetchNextPage()} disabled={audit.isFetchingNextPage}>
            {audit.isFetchingNextPage ? 'Loading…' : 'Load more'}
          </Button>
        )}
      </div>
    </div>
  );
}
