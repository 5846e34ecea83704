import { useState } from 'react';
import { inputClass } from '../../components/field';
import { Button } from '../../components/button';
import {
  HYPERVISOR_FILTERS,
  SORT_KEYS,
  STATE_FILTERS,
  type HypervisorFilter,
  type ListQuery,
  type SortKey,
  type StateFilter,
  parseQuery,
} from './vm-list-query';

const SORT_LABELS: Record<SortKey, string> = {
  name: 'Name',
  state: 'State',
  cpu: 'CPU',
  memory: 'Memory',
  uptime: 'Uptime',
  hypervisor: 'Hypervisor',
};
const label = 'mb-1 block text-xs font-medium text-slate-600 dark:text-slate-300';
// Two to a row on a phone, side by side with the search from a tablet on.
const pair = 'min-w-[9rem] flex-1 sm:flex-none';

/** Search, filters and (where no table header offers it) the sort: each change lands in the URL. */
export function VmListToolbar({
  query,
  onChange,
  showSort,
}: {
  query: ListQuery;
  /** Given the query as the URL holds it when the change is made, returns what changes. */
  onChange: (patch: (now: ListQuery) => Partial<ListQuery>) => void;
  showSort: boolean;
}) {
  // Typed text is the box's own: the URL renders in a transition, and a box fed only from it would lose keys typed
  // before that render. It follows the URL when the URL moves elsewhere (Clear filters, a link, a reload).
  const [text, setText] = useState(query.q);
  const [rendered, setRendered] = useState(query.q);
  if (query.q !== rendered) {
    setRendered(query.q);
    // A late render of a value typed earlier is not a move elsewhere: the URL itself already holds what was typed.
    const now = parseQuery(new URLSearchParams(window.location.search)).q;
    if (now !== text) setText(now);
  }
  return (
    <div className="mb-3 flex flex-wrap items-end gap-3" role="search" aria-label="Find virtual machines">
      <label className="w-full sm:w-auto sm:max-w-xs sm:flex-1">
        <span className={label}>Search by name</span>
        <input
          type="search"
          className={inputClass}
          value={text}
          maxLength={64}
          placeholder="e.g. web"
          onChange={(e) => {
            const q = e.target.value;
            setText(q);
            onChange(() => ({ q }));
          }}
        />
      </label>
      <label className={pair}>
        <span className={label}>State</span>
        <select className={inputClass} value={query.state} onChange={(e) => onChange(() => ({ state: e.target.value as StateFilter }))}>
          {Object.entries(STATE_FILTERS).map(([value, text]) => (
            <option key={value} value={value}>
              {text}
            </option>
          ))}
        </select>
      </label>
      <label className={pair}>
        <span className={label}>Hypervisor</span>
        <select
          className={inputClass}
          value={query.hypervisor}
          onChange={(e) => onChange(() => ({ hypervisor: e.target.value as HypervisorFilter }))}
        >
          {Object.entries(HYPERVISOR_FILTERS).map(([value, text]) => (
            <option key={value} value={value}>
              {text}
            </option>
          ))}
        </select>
      </label>
      {showSort && (
        <div className="flex min-w-[9rem] flex-1 items-end gap-1 sm:flex-none">
          <label className="flex-1">
            <span className={label}>Sort by</span>
            <select className={inputClass} value={query.sort} onChange={(e) => onChange(() => ({ sort: e.target.value as SortKey }))}>
              {SORT_KEYS.map((k) => (
                <option key={k} value={k}>
                  {SORT_LABELS[k]}
                </option>
              ))}
            </select>
          </label>
          <Button
            aria-label={query.dir === 'asc' ? 'Ascending; sort descending' : 'Descending; sort ascending'}
            onClick={() => onChange((now) => ({ dir: now.dir === 'asc' ? 'desc' : 'asc' }))}
          >
            {query.dir === 'asc' ? '▲' : '▼'}
          </Button>
        </div>
      )}
    </div>
  );
}
