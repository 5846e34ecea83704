import { exportUrl } from '../../api/benchmarks';

const linkClass =
  'inline-flex items-center justify-center rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-800 shadow-sm hover:bg-slate-50 dark:border-slate-700 dark:bg-slate-900 dark:text-slate-100 dark:hover:bg-slate-800';

/** Downloads the server's export of a run: every cell with its options, the host and the run's options. */
export function ExportLinks({ id }: { id: string }) {
  return (
    <>
      <a className={linkClass} href={exportUrl(id, 'csv')} download>
        Export CSV
      </a>
      <a className={linkClass} href={exportUrl(id, 'json')} download>
        Export JSON
      </a>
    </>
  );
}
