import { Link } from 'react-router';
import type { AuditEntry } from '@strata/contract';
import { useAudit } from '../api/audit';
import { useVms } from '../api/get-vms';
import { useImages } from '../api/get-images';
import { useUsers } from '../api/users';
import { useRole } from './use-role';
import { Button } from '../components/button';
import { TABLET, useMediaQuery } from '../components/use-media-query';
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

/** The request behind an entry, folded: the route and the parameters, secrets already removed by the server. */
function RequestDetails({ entry }: { entry: AuditEntry }) {
  const hasParameters = entry.parameters !== null && entry.parameters !== undefined;
  if (entry.route === null && !hasParameters) return null;
  return (
    <details className="mt-1 text-xs text-slate-500 dark:text-slate-400">
      <summary className="cursor-pointer">Request</summary>
      {entry.route && (
        <p className="font-mono [overflow-wrap:anywhere]">
          {entry.method} {entry.route}
        </p>
      )}
      {hasParameters && (
        <pre className="mt-1 max-w-xs overflow-x-auto rounded bg-slate-100 p-1.5 dark:bg-slate-950">
          {JSON.stringify(entry.parameters, null, 2)}
        </pre>
      )}
    </details>
  );
}

const outcomeTone = (ok: boolean) => (ok ? 'text-emerald-700 dark:text-emerald-400' : 'text-red-700 dark:text-red-400');
const When = ({ at }: { at: string }) => <time dateTime={at}>{new Date(at).toLocaleString()}</time>;

function Row({ entry, names }: { entry: AuditEntry; names: Map<string, string> }) {
  const outcome = outcomeText(entry);
  return (
    <tr data-testid="audit-entry" className="border-t border-slate-100 dark:border-slate-800">
      <td className={`${cell} whitespace-nowrap`}>
        <When at={entry.at} />
      </td>
      <td className={cell}>{actorText(entry)}</td>
      <td className={`${cell} font-mono text-xs`}>{entry.address}</td>
      <td className={cell}>
        <span className="font-mono text-xs">{entry.action}</span>
        <RequestDetails entry={entry} />
      </td>
      <td className={cell}>
        <Target entry={entry} names={names} />
      </td>
      <td className={`${cell} whitespace-nowrap ${outcomeTone(outcome.ok)}`}>{outcome.text}</td>
    </tr>
  );
}

/** On a phone an entry is a card: what happened and how it ended first, then who, when and from where. */
function EntryCard({ entry, names }: { entry: AuditEntry; names: Map<string, string> }) {
  const outcome = outcomeText(entry);
  return (
    <li data-testid="audit-entry" className="space-y-1 px-3 py-2.5 text-sm">
      <div className="flex items-baseline justify-between gap-3">
        <span className="font-mono text-xs">{entry.action}</span>
        <span className={`shrink-0 text-xs ${outcomeTone(outcome.ok)}`}>{outcome.text}</span>
      </div>
      <Target entry={entry} names={names} />
      <p className="text-xs text-slate-500 dark:text-slate-400">
        <When at={entry.at} /> · {actorText(entry)} · {entry.address}
      </p>
      <RequestDetails entry={entry} />
    </li>
  );
}

/**
 * Audit entries matching a filter, newest first, a page at a time. Targets are named from the VMs
 * and images the web already holds; one no longer known keeps its id.
 */
export function AuditLog({ filter, caption }: { filter: AuditFilter; caption: string }) {
  const audit = useAudit(filter);
  const wide = useMediaQuery(TABLET);
  const vms = useVms().data ?? [];
  const images = useImages().data ?? [];
  // Only an admin may list users; others see a user target by its id.
  const users = useUsers(useRole().isAdmin).data ?? [];
  const names = new Map<string, string>([
    ...[...vms, ...images].map((x): [string, string] => [x.id, x.name]),
    ...users.map((u): [string, string] => [u.id, u.username]),
  ]);
  if (audit.isPending) return <Spinner label="Reading the activity" />;
  if (audit.error) return <ErrorBanner error={audit.error} />;
  const entries = audit.data.pages.flatMap((p) => p.entries);
  if (entries.length === 0)
    return <EmptyState title="No activity">Nothing recorded matches. Changes and sign-ins show here as they happen.</EmptyState>;
  return (
    <div className="space-y-3">
      {wide ? (
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
      ) : (
        <ul
          aria-label={caption}
          className="divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white shadow-sm dark:divide-slate-800 dark:border-slate-800 dark:bg-slate-900"
        >
          {entries.map((e) => (
            <EntryCard key={e.id} entry={e} names={names} />
          ))}
        </ul>
      )}
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
