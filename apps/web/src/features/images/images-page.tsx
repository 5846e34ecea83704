import { useState } from 'react';
import { useImages } from '../../api/get-images';
import { useVms } from '../../api/get-vms';
import { EmptyState, ErrorBanner, PageHeader, Spinner } from '../../components/feedback';
import { ImageAddActions } from './image-add';
import { ImageGraph } from './image-graph';
import { ImagePanel } from './image-panel';
import { JobsCard } from './jobs-card';

export function ImagesPage() {
  const { data: images, error, isPending } = useImages();
  const vms = useVms().data ?? [];
  const vmName = (id: string) => vms.find((v) => v.id === id)?.name ?? id;
  const [selected, setSelected] = useState<string | null>(null);
  const image = images?.find((i) => i.id === selected);
  return (
    <>
      <PageHeader
        title="Images"
        subtitle="Base images on the left, each VM's own layers to their right. Sizes on disk are what the files really take, not their length. Drag to pan, wheel to zoom, click a layer for its actions."
        actions={<ImageAddActions />}
      />
      {isPending && <Spinner />}
      {error && <ErrorBanner error={error} />}
      {images && images.length === 0 && <EmptyState title="No images">The default guest is imported at server start.</EmptyState>}
      {images && images.length > 0 && (
        <div className="grid gap-4 xl:grid-cols-[1fr_24rem]">
          <ImageGraph images={images} selected={selected} onSelect={setSelected} vmName={vmName} />
          <div className="space-y-4">
            {image ? (
              <ImagePanel key={image.id} image={image} images={images} vmName={vmName} />
            ) : (
              <p className="rounded-lg border border-dashed border-slate-300 p-6 text-sm text-slate-500 dark:border-slate-700">
                Select a layer in the graph.
              </p>
            )}
            <JobsCard />
          </div>
        </div>
      )}
    </>
  );
}
