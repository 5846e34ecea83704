import type { Image } from '@strata/contract';
import { Link } from 'react-router';
import { useImages } from '../../api/get-images';
import { useVms } from '../../api/get-vms';
import { EmptyState, ErrorBanner, PageHeader, Spinner } from '../../components/feedback';
import { formatBytes } from '../../components/format';

/** Depth-first order of the forest, so each overlay sits under its parent. */
function forest(images: Image[]): { image: Image; depth: number }[] {
  const ids = new Set(images.map((i) => i.id));
  const out: { image: Image; depth: number }[] = [];
  const walk = (parent: string | null, depth: number) => {
    for (const image of images.filter((i) => (parent === null ? i.parentId === null || !ids.has(i.parentId) : i.parentId === parent))) {
      out.push({ image, depth });
      walk(image.id, depth + 1);
    }
  };
  walk(null, 0);
  return out;
}

export function ImagesPage() {
  const { data: images, error, isPending } = useImages();
  const vmNames = new Map((useVms().data ?? []).map((v) => [v.id, v.name]));
  return (
    <>
      <PageHeader title="Images" subtitle="Base images at the roots, each VM's copy-on-write layers beneath them. Sizes on disk are what the files really take (du), not their length." />
      {isPending && <Spinner />}
      {error && <ErrorBanner error={error} />}
      {images && images.length === 0 && <EmptyState title="No images">The default guest is imported at server start.</EmptyState>}
      {images && images.length > 0 && (
        <div className="overflow-hidden rounded-lg border border-slate-200 bg-white shadow-sm dark:border-slate-800 dark:bg-slate-900">
          <table className="w-full text-sm">
            <thead className="bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-500 dark:bg-slate-900/60">
              <tr>{['Layer', 'Format', 'Virtual', 'On disk', 'State', 'Used by'].map((h) => <th key={h} className="px-4 py-2.5 font-medium">{h}</th>)}</tr>
            </thead>
            <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
              {forest(images).map(({ image, depth }) => (
                <tr key={image.id} data-testid={`image-${image.name}`}>
                  <td className="px-4 py-2.5" style={{ paddingLeft: 16 + depth * 20 }}>
                    {depth > 0 && <span className="mr-1 text-slate-400">└</span>}
                    <span className="font-medium">{image.name}</span>
                    {image.snapshot && <span className="ml-2 rounded bg-indigo-50 px-1.5 py-0.5 text-xs text-indigo-700 dark:bg-indigo-950 dark:text-indigo-300">snapshot {image.snapshot.name}</span>}
                    <div className="font-mono text-xs text-slate-500">{image.path}</div>
                  </td>
                  <td className="px-4 py-2.5">{image.format}</td>
                  <td className="px-4 py-2.5">{formatBytes(image.virtualSize)}</td>
                  <td className="px-4 py-2.5">{formatBytes(image.allocatedSize)}</td>
                  <td className="px-4 py-2.5">
                    {image.valid ? (image.protected ? 'protected base' : 'writable') : <span className="text-red-600">invalid: {image.invalidReason}</span>}
                  </td>
                  <td className="px-4 py-2.5">
                    {image.usedBy.length === 0 ? <span className="text-slate-400">—</span> : image.usedBy.map((u) => (
                      <Link key={u.vmId + u.role} to={`/vms/${u.vmId}`} className="mr-2 text-indigo-600 hover:underline dark:text-indigo-400">
                        {vmNames.get(u.vmId) ?? u.vmId} <span className="text-xs text-slate-500">({u.role})</span>
                      </Link>
                    ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
