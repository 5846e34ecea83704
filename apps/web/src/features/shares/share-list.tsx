import { Link } from 'react-router';
import type { ShareView } from '@strata/contract';
import { Button } from '../../components/button';
import { formatBytes } from '../../components/format';
import { useRole } from '../../shared/use-role';

type RowProps = { shares: ShareView[]; onRename: (s: ShareView) => void; onDelete: (s: ShareView) => void };

function UsedBy({ share }: { share: ShareView }) {
  if (share.usedBy.length === 0) return <span className="text-slate-400">no VM</span>;
  return (
    <>
      {share.usedBy.map((u) => (
        <div key={`${u.vmId}-${u.tag}`}>
          <Link className="text-indigo-600 hover:underline dark:text-indigo-400" to={`/vms/${u.vmId}`}>
            {u.vmName}
          </Link>
          <span className="text-slate-500">
            {' '}
            /mnt/{u.tag} · {u.transport}
            {u.readonly ? ' · read-only' : ''} · {u.state}
          </span>
          {u.warning && (
            <div role="alert" className="text-sm text-amber-700 dark:text-amber-400">
              {u.warning}
            </div>
          )}
        </div>
      ))}
    </>
  );
}

function ShareButtons({ share, onRename, onDelete }: { share: ShareView } & Omit<RowProps, 'shares'>) {
  if (!useRole().canOperate) return null;
  return (
    <>
      <Button variant="ghost" onClick={() => onRename(share)}>
        Rename
      </Button>
      <Button variant="ghost" onClick={() => onDelete(share)}>
        Delete
      </Button>
    </>
  );
}

const sizeText = (s: ShareView) => (s.sizeBytes === null ? 'measuring…' : formatBytes(s.sizeBytes));

export function ShareTable({ shares, onRename, onDelete }: RowProps) {
  return (
    <div className="overflow-x-auto rounded-lg border border-slate-200 dark:border-slate-800">
      <table className="w-full text-sm">
        <thead className="bg-slate-50 text-left text-xs whitespace-nowrap uppercase text-slate-500 dark:bg-slate-900">
          <tr>
            <th className="px-4 py-2">Name</th>
            <th className="px-4 py-2">Host directory</th>
            <th className="px-4 py-2">Size</th>
            <th className="px-4 py-2">Used by</th>
            <th className="px-4 py-2">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {shares.map((s) => (
            <tr key={s.id} data-testid={`share-${s.name}`} className="border-t border-slate-200 dark:border-slate-800">
              <td className="px-4 py-2.5 font-medium whitespace-nowrap">{s.name}</td>
              <td className="px-4 py-2.5 font-mono text-xs break-all">{s.path}</td>
              <td className="whitespace-nowrap px-4 py-2.5">{sizeText(s)}</td>
              <td className="px-4 py-2.5">
                <UsedBy share={s} />
              </td>
              <td className="whitespace-nowrap px-4 py-2.5 text-right">
                <ShareButtons share={s} onRename={onRename} onDelete={onDelete} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** On a phone each share is a card, its directory wrapped rather than scrolled. */
export function ShareCards({ shares, onRename, onDelete }: RowProps) {
  return (
    <ul className="space-y-3">
      {shares.map((s) => (
        <li
          key={s.id}
          data-testid={`share-${s.name}`}
          className="rounded-lg border border-slate-200 bg-white p-3 text-sm shadow-sm dark:border-slate-800 dark:bg-slate-900"
        >
          <div className="flex items-baseline justify-between gap-3">
            <span className="min-w-0 font-medium break-words">{s.name}</span>
            <span className="shrink-0 text-xs text-slate-500">{sizeText(s)}</span>
          </div>
          <div className="mt-1 font-mono text-xs break-all text-slate-600 dark:text-slate-400">{s.path}</div>
          <div className="mt-2">
            <UsedBy share={s} />
          </div>
          <div className="mt-2 flex justify-end gap-1">
            <ShareButtons share={s} onRename={onRename} onDelete={onDelete} />
          </div>
        </li>
      ))}
    </ul>
  );
}
