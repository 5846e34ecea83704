import { useEffect, useState, type ReactNode } from 'react';
import { useNavigate } from 'react-router';
import type { Image } from '@strata/contract';
import { useImageMutations } from '../../api/image-actions';
import { Button } from '../../components/button';
import { Card, Facts } from '../../components/card';
import { Dialog } from '../../components/dialog';
import { Field, TextInput, inputClass } from '../../components/field';
import { ErrorBanner, Notice, focusPageHeadingIfLost } from '../../components/feedback';
import { formatBytes, formatTime, plural } from '../../components/format';
import { MergeDialog } from '../../shared/merge-dialog';
import { useRole } from '../../shared/use-role';

const FORMATS = ['qcow2', 'raw', 'vdi', 'vmdk', 'vpc', 'vhdx'] as const;

/** What one image is, and what can be done with it. */
export function ImagePanel({ image, images, vmName }: { image: Image; images: Image[]; vmName: (id: string) => string }) {
  const navigate = useNavigate();
  // Deleting the image removes this panel with the button that opened the dialog: the page heading takes focus.
  useEffect(() => () => focusPageHeadingIfLost(), []);
  const { check, convert, resize, remove } = useImageMutations();
  const [dialog, setDialog] = useState<'merge' | 'convert' | 'grow' | 'delete' | null>(null);
  const [format, setFormat] = useState<(typeof FORMATS)[number]>('raw');
  const [newName, setNewName] = useState(`${image.name.replace(/[^A-Za-z0-9._-]/g, '-')}-copy`);
  const [sizeGiB, setSizeGiB] = useState(Math.ceil(image.virtualSize / 1024 ** 3) + 1);
  const children = images.filter((i) => i.parentId === image.id);
  const isTop = image.usedBy.some((u) => u.role === 'writable') && image.parentId !== null;
  const error = check.error ?? convert.error ?? resize.error ?? remove.error;
  const close = () => setDialog(null);
  // Viewers see an image's facts; its actions are not offered.
  const { canOperate } = useRole();

  return (
    <Card title={image.snapshot ? `Snapshot ${image.snapshot.name}` : image.name}>
      <Facts
        rows={[
          ['File', <span className="break-all font-mono text-xs">{image.path}</span>],
          ['Format', image.format],
          ['Virtual size', formatBytes(image.virtualSize)],
          ['On disk', formatBytes(image.allocatedSize)],
          [
            'State',
            image.valid ? (
              image.protected ? (
                'protected base (read-only)'
              ) : (
                'writable'
              )
            ) : (
              <span className="text-red-600 dark:text-red-400">invalid: {image.invalidReason}</span>
            ),
          ],
          ['Layers on it', children.length === 0 ? 'none' : children.map((c) => c.name).join(', ')],
          [
            'Used by',
            image.usedBy.length === 0
              ? 'no VM'
              : [
                  ...new Set(image.usedBy.map((u) => `${vmName(u.vmId)} (${u.role === 'writable' ? 'writes to it' : 'stands on it'})`)),
                ].join(', '),
          ],
          ['Created', formatTime(image.createdAt)],
          ...(image.pendingFirstUse ? [['UML COW', 'not made yet: UML creates it at the first start'] as [string, string]] : []),
          ...(image.cow
            ? ([
                [
                  'COW header',
                  <span data-testid="cow-header">
                    v{image.cow.version}
                    {image.cow.broken ? ' (padded 64-bit layout)' : ''}, {image.cow.sectorSize}-byte sectors, alignment{' '}
                    {image.cow.alignment}
                  </span>,
                ],
                ['Backing file', <span className="break-all font-mono text-xs">{image.cow.backingFile}</span>],
                [
                  'Backing as recorded',
                  `${formatBytes(image.cow.backingSize)}, modified ${formatTime(new Date(image.cow.backingMtime * 1000).toISOString())}`,
                ],
                ['Bitmap / data start at', `${formatBytes(image.cow.bitmapOffset)} / ${formatBytes(image.cow.dataOffset)}`],
              ] as [string, ReactNode][])
            : []),
        ]}
      />
      <div className={`mt-4 flex flex-wrap gap-2 ${canOperate ? '' : 'hidden'}`}>
        {isTop && (
          <Button variant="primary" onClick={() => setDialog('merge')}>
            Merge…
          </Button>
        )}
        {image.format === 'qcow2' && <Button onClick={() => navigate(`/vms?clone=${image.id}`)}>Linked clone…</Button>}
        {image.format !== 'raw' && (
          <Button onClick={() => check.mutate(image.id)} disabled={check.isPending}>
            {check.isPending ? 'Checking…' : 'Check'}
          </Button>
        )}
        <Button onClick={() => setDialog('convert')}>Convert…</Button>
        <Button
          onClick={() => setDialog('grow')}
          disabled={children.length > 0}
          title={children.length > 0 ? 'Layers stand on it: growing it would make them invalid' : undefined}
        >
          Grow…
        </Button>
        <Button
          variant="danger"
          onClick={() => setDialog('delete')}
          disabled={children.length > 0 || image.usedBy.length > 0}
          title={
            children.length > 0
              ? 'Layers stand on it: delete or merge them first'
              : image.usedBy.length > 0
                ? 'A VM uses it: delete the VM first'
                : undefined
          }
        >
          Delete
        </Button>
      </div>
      {check.data && (
        <div className="mt-3">
          <Notice tone={check.data.ok ? 'info' : 'warn'}>
            {check.data.ok
              ? `qemu-img check: no errors${check.data.leaks ? `, ${plural(check.data.leaks, 'leaked cluster')} (space wasted, data safe)` : ''}`
              : `qemu-img check found ${plural(check.data.errors, 'error')}`}
          </Notice>
        </div>
      )}
      {error && (
        <div className="mt-3">
          <ErrorBanner error={error} />
        </div>
      )}
      {convert.data && (
        <div className="mt-3">
          <Notice>Converting: the progress shows under Recent jobs.</Notice>
        </div>
      )}

      {dialog === 'merge' && <MergeDialog layer={image} onClose={close} />}
      {dialog === 'convert' && (
        <Dialog
          title={`Convert ${image.name}`}
          description="Writes the whole chain as one standalone image in a new file, compared with the original before it is kept."
          onClose={close}
          footer={
            <>
              <Button onClick={close}>Cancel</Button>
              <Button
                variant="primary"
                onClick={() => convert.mutate({ id: image.id, body: { format, name: newName } }, { onSuccess: close })}
              >
                Convert
              </Button>
            </>
          }
        >
          <Field label="Format">
            <select className={inputClass} value={format} onChange={(e) => setFormat(e.target.value as typeof format)}>
              {FORMATS.map((f) => (
                <option key={f}>{f}</option>
              ))}
            </select>
          </Field>
          <Field label="Name of the new image">
            <TextInput value={newName} onChange={(e) => setNewName(e.target.value)} />
          </Field>
        </Dialog>
      )}
      {dialog === 'grow' && (
        <Dialog
          title={`Grow ${image.name}`}
          description="Shrinking is refused, as qemu-img refuses it for qcow2: it would cut off data."
          onClose={close}
          footer={
            <>
              <Button onClick={close}>Cancel</Button>
              <Button
                variant="primary"
                onClick={() => resize.mutate({ id: image.id, sizeBytes: sizeGiB * 1024 ** 3 }, { onSuccess: close })}
              >
                Grow
              </Button>
            </>
          }
        >
          <Field label="New size (GiB)">
            <TextInput
              type="number"
              min={Math.ceil(image.virtualSize / 1024 ** 3)}
              value={sizeGiB}
              onChange={(e) => setSizeGiB(Number(e.target.value))}
            />
          </Field>
        </Dialog>
      )}
      {dialog === 'delete' && (
        <Dialog
          title={`Delete ${image.name}?`}
          onClose={close}
          footer={
            <>
              <Button onClick={close}>Cancel</Button>
              <Button variant="danger" onClick={() => remove.mutate(image.id, { onSuccess: close })}>
                Delete and free {formatBytes(image.allocatedSize)}
              </Button>
            </>
          }
        >
          <p className="text-sm">
            The file <span className="font-mono">{image.path}</span> is deleted from the host; this cannot be undone. No VM and no layer
            depends on it.
          </p>
        </Dialog>
      )}
    </Card>
  );
}
