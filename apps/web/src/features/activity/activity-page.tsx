import { useState } from 'react';
import { auditExportUrl } from '../../api/audit';
import { PageHeader } from '../../components/feedback';
import { TABLET, useMediaQuery } from '../../components/use-media-query';
import { AuditLog } from '../../shared/audit-log';
import type { AuditFilter } from '../../shared/audit-filter';
import { AuditFilters } from './audit-filters';

/** Every recorded change and sign-in, newest first; the export holds what the filters select. */
export function ActivityPage() {
  const [filter, setFilter] = useState<AuditFilter>({});
  const wide = useMediaQuery(TABLET);
  const active = Object.values(filter).filter((v) => typeof v === 'string' && v.trim() !== '').length;
  const filters = <AuditFilters value={filter} onApply={setFilter} />;
  return (
    <>
      <PageHeader
        title="Activity"
        subtitle="Who changed what, from where, and how it ended. The log is append-only."
        actions={
          <a
            href={auditExportUrl(filter)}
            download="strata-activity.jsonl"
            className="inline-flex items-center rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium shadow-sm hover:bg-slate-50 dark:border-slate-700 dark:bg-slate-900 dark:hover:bg-slate-800"
          >
            Export as JSON lines
          </a>
        }
      />
      {wide ? (
        filters
      ) : (
        // On a phone the five fields would push the entries a screen down: they fold away.
        <details className="mb-4 rounded-lg border border-slate-200 px-3 py-2 dark:border-slate-800">
          <summary className="cursor-pointer text-sm font-medium">{active > 0 ? `Filters (${active} set)` : 'Filters'}</summary>
          <div className="mt-3">{filters}</div>
        </details>
      )}
      <AuditLog filter={filter} caption="Activity, newest first" />
    </>
  );
}
