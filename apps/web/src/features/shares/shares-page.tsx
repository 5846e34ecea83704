import { useId, useState, type FormEvent } from 'react';
import type { ShareView } from '@strata/contract';
import { ApiError } from '../../api/client';
import { useHost } from '../../api/get-host';
import { useShareMutations, useShares } from '../../api/share-actions';
import { Button } from '../../components/button';
import { Dialog } from '../../components/dialog';
import { Field, TextInput } from '../../components/field';
import { EmptyState, ErrorBanner, Notice, PageHeader, Spinner } from '../../components/feedback';
import { TABLET, useMediaQuery } from '../../components/use-media-query';
import { ShareCards, ShareTable } from './share-list';
import { ShareCharts } from './share-charts';
import { GuestRootTable } from '../../shared/guest-root-powers';
import { isActive } from '../../shared/vm-state';
import { useRole } from '../../shared/use-role';

const fieldError = (error: unknown, field: string) => (error instanceof ApiError && error.field === field ? error.message : null);

function ShareDialog({ share, onClose }: { share?: ShareView; onClose: () => void }) {
  const { create, rename } = useShareMutations();
  const host = useHost().data;
  const root = host?.shares.roots[0] ?? '';
  const [name, setName] = useState(share?.name ?? '');
  const [path, setPath] = useState(share?.path ?? (root ? `${root}/` : ''));
  const mutation = share ? rename : create;
  const formId = useId();
  const ready = !mutation.isPending && name !== '' && path !== '';
  // A form, so Enter in either field submits as the button does.
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!ready) return;
    if (share) rename.mutate({ id: share.id, name }, { onSuccess: onClose });
    else create.mutate({ name, path }, { onSuccess: onClose });
  };
  const other = mutation.error instanceof ApiError && mutation.error.field ? null : mutation.error;
  return (
    <Dialog
      title={share ? `Rename ${share.name}` : 'New share'}
      onClose={onClose}
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button variant="primary" type="submit" form={formId} disabled={!ready}>
            {share ? 'Save' : 'Create share'}
          </Button>
        </>
      }
    >
      <form id={formId} onSubmit={submit} className="space-y-4">
        <Field label="Name" error={fieldError(mutation.error, 'body.name')}>
          <TextInput name="shareName" value={name} onChange={(e) => setName(e.target.value)} autoFocus />
        </Field>
        <Field
          label="Host directory"
          error={fieldError(mutation.error, 'body.path')}
          hint={
            <>
              Must exist and lie under{' '}
              {host?.shares.roots.map((r) => (
                <code key={r} className="mx-0.5">
                  {r}
                </code>
              )) ?? 'an allowed root'}{' '}
              (the allowed roots, set by STRATA_SHARE_ROOTS). A symlink that leads outside them is refused.
            </>
          }
        >
          <TextInput name="sharePath" value={path} disabled={!!share} onChange={(e) => setPath(e.target.value)} />
        </Field>
      </form>
      {other && <ErrorBanner error={other} />}
    </Dialog>
  );
}

function DeleteDialog({ share, onClose }: { share: ShareView; onClose: () => void }) {
  const { remove } = useShareMutations();
  const live = share.usedBy.filter(isActive);
  return (
    <Dialog
      title={`Delete share ${share.name}?`}
      onClose={onClose}
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button
            variant="danger"
            disabled={remove.isPending || live.length > 0}
            onClick={() => remove.mutate(share.id, { onSuccess: onClose })}
          >
            Delete share
          </Button>
        </>
      }
    >
      <p className="text-sm">
        Strata forgets the share; the directory <code>{share.path}</code> and its files stay on the host.
      </p>
      {live.length > 0 && (
        <Notice tone="warn">
          Running VMs use it: {[...new Set(live.map((u) => u.vmName))].join(', ')}. Stop them first; then it can be deleted.
        </Notice>
      )}
      {live.length === 0 && share.usedBy.length > 0 && (
        <p className="text-sm">
          It is detached first from {[...new Set(share.usedBy.map((u) => `${u.vmName} (/mnt/${u.tag})`))].join(', ')}.
        </p>
      )}
      {remove.error && <ErrorBanner error={remove.error} />}
    </Dialog>
  );
}

export function SharesPage() {
  const shares = useShares();
  const [dialog, setDialog] = useState<{ kind: 'new' } | { kind: 'rename' | 'delete'; share: ShareView } | null>(null);
  const close = () => setDialog(null);
  const rename = (share: ShareView) => setDialog({ kind: 'rename', share });
  const remove = (share: ShareView) => setDialog({ kind: 'delete', share });
  const wide = useMediaQuery(TABLET);
  const refusal = useRole().cannot('create shares');
  return (
    <>
      <PageHeader
        title="Shares"
        subtitle="Host directories exported to VMs over 9p or virtiofs (QEMU) and hostfs (UML). Attach them from a VM's Shares tab."
        actions={
          <Button variant="primary" disabled={refusal !== undefined} title={refusal} onClick={() => setDialog({ kind: 'new' })}>
            New share
          </Button>
        }
      />
      {shares.isPending && <Spinner />}
      {shares.error && <ErrorBanner error={shares.error} />}
      {shares.data?.length === 0 && (
        <EmptyState
          title="No shares"
          action={
            <Button variant="primary" onClick={() => setDialog({ kind: 'new' })}>
              New share
            </Button>
          }
        >
          A share is a host directory under one of the allowed roots; VMs mount it at /mnt/&lt;tag&gt;.
        </EmptyState>
      )}
      {shares.data &&
        shares.data.length > 0 &&
        (wide ? (
          <ShareTable shares={shares.data} onRename={rename} onDelete={remove} />
        ) : (
          <ShareCards shares={shares.data} onRename={rename} onDelete={remove} />
        ))}
      {shares.data && shares.data.length > 0 && <ShareCharts shares={shares.data} />}
      <GuestRootTable />
      {dialog?.kind === 'new' && <ShareDialog onClose={close} />}
      {dialog?.kind === 'rename' && <ShareDialog share={dialog.share} onClose={close} />}
      {dialog?.kind === 'delete' && <DeleteDialog share={dialog.share} onClose={close} />}
    </>
  );
}
