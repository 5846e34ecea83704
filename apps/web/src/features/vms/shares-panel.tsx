import { useId, useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import type { ShareAttach, ShareTransport, Vm, VmShare } from '@strata/contract';
import { ApiError } from '../../api/client';
import { useHost } from '../../api/get-host';
import { useShareMutations, useShares } from '../../api/share-actions';
import { Button } from '../../components/button';
import { Card } from '../../components/card';
import { Dialog } from '../../components/dialog';
import { Field, inputClass, TextInput } from '../../components/field';
import { formatBytes } from '../../components/format';
import { EmptyState, ErrorBanner, Notice } from '../../components/feedback';
import { GuestRootNotice } from '../../shared/guest-root-powers';
import { isRunning } from '../../shared/vm-state';
import { useRole } from '../../shared/use-role';

type Options = NonNullable<ShareAttach['options']>;

function Check({
  label,
  checked,
  disabled,
  title,
  onChange,
}: {
  label: string;
  checked: boolean;
  disabled?: boolean;
  title?: string;
  onChange: (v: boolean) => void;
}) {
  return (
    <label className="flex items-center gap-2 text-sm" title={title}>
      <input type="checkbox" name={label} checked={checked} disabled={disabled} onChange={(e) => onChange(e.target.checked)} />
      <span className={disabled ? 'text-slate-400' : undefined}>{label}</span>
    </label>
  );
}

function Select({ name, value, values, onChange }: { name: string; value: string; values: string[]; onChange: (v: string) => void }) {
  return (
    <select name={name} className={inputClass} value={value} onChange={(e) => onChange(e.target.value)}>
      {values.map((v) => (
        <option key={v} value={v}>
          {v}
        </option>
      ))}
    </select>
  );
}

/**
 * A share's options in words, leaving out what every share has by default: the cache mode (and
 * 9p's security model, which decides what the guest's root can do) are always said.
 */
function optionWords(transport: ShareTransport, o: VmShare['options']): string[] {
  if (transport === 'virtiofs')
    return [
      `cache: ${String(o.cache ?? 'none')}`,
      o.xattr ? 'extended attributes' : '',
      o.posixAcl ? 'ACLs' : '',
      typeof o.threadPoolSize === 'number' && o.threadPoolSize > 0 ? `thread pool: ${o.threadPoolSize}` : '',
      o.writeback ? 'write-back' : '',
    ].filter(Boolean);
  if (transport === '9p')
    return [
      `security model: ${String(o.securityModel ?? 'mapped-xattr')}`,
      `guest cache: ${String(o.cache ?? 'none')}`,
      o.version && o.version !== '9p2000.L' ? `protocol: ${String(o.version)}` : '',
      typeof o.msize === 'number' && o.msize !== 524288 ? `msize: ${formatBytes(o.msize)}` : '',
    ].filter(Boolean);
  return [];
}

/** A tag the guest can mount, made from the share's name. */
const tagFor = (name: string | undefined) => (name ?? '').replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 31);

/** The order transports are offered in: the fastest first. */
const PREFERENCE: ShareTransport[] = ['virtiofs', '9p', 'hostfs'];

function AttachDialog({ vm, onClose }: { vm: Vm; onClose: () => void }) {
  const sharesQuery = useShares();
  const shares = sharesQuery.data ?? [];
  const host = useHost().data;
  const { attach } = useShareMutations();
  // Until the user picks, the share and tag follow the first share of the list, which may still be loading.
  const [pickedId, setShareId] = useState<string | null>(null);
  const shareId = pickedId ?? shares[0]?.id ?? '';
  const transports = PREFERENCE.filter((t) => vm.capabilities.shareTransports.includes(t));
  const [transport, setTransport] = useState<ShareTransport>(transports[0]!);
  const [typedTag, setTag] = useState<string | null>(null);
  const tag = typedTag ?? tagFor(shares.find((s) => s.id === shareId)?.name);
  const [readonly, setReadonly] = useState(false);
  const [options, setOptions] = useState<Options>({});
  const set = (patch: Options) => setOptions((o) => ({ ...o, ...patch }));
  const pick = (id: string) => {
    setShareId(id);
    setTag(null);
  };
  const formId = useId();
  const why = attach.isPending
    ? null
    : sharesQuery.isPending
      ? 'Loading shares…'
      : !shareId
        ? 'Create a share first to attach it.'
        : !tag
          ? 'Give the share a tag: the guest mounts it at /mnt/<tag>.'
          : null;
  const blocked = attach.isPending || why !== null;
  // A form, so Enter in the tag (or any field) attaches as the button does.
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (blocked) return;
    attach.mutate({ vmId: vm.id, body: { shareId, transport, tag, readonly, options } }, { onSuccess: onClose });
  };
  const switchTo = (t: ShareTransport) => {
    setTransport(t);
    setOptions({});
  };
  const err = (field: string) => (attach.error instanceof ApiError && attach.error.field === field ? attach.error.message : null);
  const roBlocked = transport === 'virtiofs' && host && !host.shares.virtiofsReadonly.available;
  const other = attach.error instanceof ApiError && attach.error.field ? null : attach.error;
  return (
    <Dialog
      title={`Attach a share to ${vm.name}`}
      onClose={onClose}
      footer={
        <>
          {why && <p className="mr-auto self-center text-xs text-slate-500 dark:text-slate-400">{why}</p>}
          <Button onClick={onClose}>Cancel</Button>
          <Button variant="primary" type="submit" form={formId} disabled={blocked}>
            Attach
          </Button>
        </>
      }
    >
      {sharesQuery.data?.length === 0 && (
        <Notice>
          No shares yet: create one on the{' '}
          <Link className="underline" to="/shares">
            Shares
          </Link>{' '}
          page.
        </Notice>
      )}
      <form id={formId} onSubmit={submit} className="space-y-4">
        <Field label="Share" error={err('body.shareId')}>
          <select name="shareId" className={inputClass} value={shareId} onChange={(e) => pick(e.target.value)}>
            {shares.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name} — {s.path}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Transport">
          <Select name="transport" value={transport} values={transports} onChange={(v) => switchTo(v as ShareTransport)} />
        </Field>
        <Field label="Tag" error={err('body.tag')} hint={`The guest mounts it at /mnt/${tag || '<tag>'}.`}>
          <TextInput name="tag" value={tag} onChange={(e) => setTag(e.target.value)} />
        </Field>
        <Check
          label="Read-only"
          checked={readonly}
          disabled={!!roBlocked}
          title={roBlocked ? host?.shares.virtiofsReadonly.reason : undefined}
          onChange={setReadonly}
        />
        {transport === 'hostfs' ? (
          <Notice>
            hostfs: the UML kernel reads the host directory directly. It runs in a sandbox where only the share, the VM's own files and what
            the kernel needs exist, as an unprivileged user (writable shares get a POSIX ACL for it). Changes made on the host while the
            guest runs may not be seen by the guest until it remounts.
          </Notice>
        ) : transport === 'virtiofs' ? (
          <div className="grid grid-cols-2 gap-3">
            <Field label="Cache" error={err('body.options.cache')}>
              <Select
                name="cache"
                value={String(options.cache ?? 'none')}
                values={['none', 'auto', 'always']}
                onChange={(v) => set({ cache: v })}
              />
            </Field>
            <Field label="Thread pool" error={err('body.options.threadPoolSize')} hint="0: requests served on the queue thread">
              <TextInput
                name="threadPoolSize"
                type="number"
                min={0}
                max={64}
                value={options.threadPoolSize ?? 0}
                onChange={(e) => set({ threadPoolSize: Number(e.target.value) })}
              />
            </Field>
            <Check label="Extended attributes" checked={!!options.xattr} onChange={(v) => set({ xattr: v })} />
            <Check label="POSIX ACLs" checked={!!options.posixAcl} onChange={(v) => set({ posixAcl: v, ...(v ? { xattr: true } : {}) })} />
            <Check label="Write-back cache" checked={!!options.writeback} onChange={(v) => set({ writeback: v })} />
            <Check label="DAX" checked={false} disabled title={host?.shares.dax.reason} onChange={() => undefined} />
            {host && <p className="col-span-2 text-xs text-slate-500">DAX: {host.shares.dax.reason}.</p>}
          </div>
        ) : (
          <div className="grid grid-cols-2 gap-3">
            <Field label="Protocol">
              <Select
                name="version"
                value={String(options.version ?? '9p2000.L')}
                values={['9p2000.L', '9p2000.u']}
                onChange={(v) => set({ version: v })}
              />
            </Field>
            <Field label="msize (bytes)" error={err('body.options.msize')} hint="512 KiB default; 8 KiB or less makes 9p crawl">
              <TextInput
                name="msize"
                type="number"
                value={options.msize ?? 524288}
                onChange={(e) => set({ msize: Number(e.target.value) })}
              />
            </Field>
            <Field label="Security model">
              <Select
                name="securityModel"
                value={String(options.securityModel ?? 'mapped-xattr')}
                values={['mapped-xattr', 'mapped-file', 'none', 'passthrough']}
                onChange={(v) => set({ securityModel: v })}
              />
            </Field>
            <Field label="Guest cache">
              <Select
                name="cache"
                value={String(options.cache ?? 'none')}
                values={['none', 'loose', 'fscache', 'mmap']}
                onChange={(v) => set({ cache: v })}
              />
            </Field>
          </div>
        )}
        <GuestRootNotice
          transport={transport}
          securityModel={typeof options.securityModel === 'string' ? options.securityModel : undefined}
        />
        {isRunning(vm) && (
          <Notice>
            {transport === 'hostfs'
              ? 'The VM is running: the share applies at the next start (its sandbox is built at start).'
              : vm.capabilities.hotplug.shares.includes(transport)
                ? `The VM is running: Strata plugs the share in now if its memory is shared (it started with a ${transport} share); otherwise it applies at the next start.`
                : `The VM is running: ${transport} cannot be plugged in live, so this applies at the next start.`}
          </Notice>
        )}
      </form>
      {other && <ErrorBanner error={other} />}
    </Dialog>
  );
}

/** The VM's shares with their options, the mount command for any guest, attach and detach. */
export function SharesPanel({ vm }: { vm: Vm }) {
  const [attaching, setAttaching] = useState(false);
  const { detach } = useShareMutations();
  const refusal = useRole().cannot('attach or detach shares');
  return (
    <Card
      title="Shares"
      actions={
        <Button disabled={refusal !== undefined} title={refusal} onClick={() => setAttaching(true)}>
          Attach share
        </Button>
      }
    >
      {vm.shares.length === 0 && (
        <EmptyState title="No shares attached">
          Attach a host directory; the default guest mounts it at /mnt/&lt;tag&gt; when it boots.
        </EmptyState>
      )}
      <ul className="divide-y divide-slate-200 dark:divide-slate-800">
        {vm.shares.map((s) => {
          const locked = isRunning(vm) && !s.pending;
          return (
            <li key={s.tag} data-testid={`vm-share-${s.tag}`} className="space-y-1 py-3">
              <div className="flex flex-wrap items-center justify-between gap-2">
                <div className="text-sm">
                  <span className="font-medium">/mnt/{s.tag}</span>
                  <span className="text-slate-500">
                    {' '}
                    · {s.shareName} · {s.transport}
                    {s.readonly ? ' · read-only' : ''}
                  </span>
                  {s.pending && (
                    <span className="ml-2 rounded bg-amber-100 px-1.5 py-0.5 text-xs text-amber-900 dark:bg-amber-900 dark:text-amber-100">
                      applies at next start
                    </span>
                  )}
                </div>
                <Button
                  variant="ghost"
                  disabled={locked || detach.isPending || refusal !== undefined}
                  title={refusal ?? (locked ? 'Stop the VM to detach: the guest may have files open on it' : undefined)}
                  onClick={() => detach.mutate({ vmId: vm.id, tag: s.tag })}
                >
                  Detach
                </Button>
              </div>
              {optionWords(s.transport, s.options).length > 0 && (
                <div className="text-xs text-slate-500">{optionWords(s.transport, s.options).join(' · ')}</div>
              )}
              <div className="text-xs">
                Mount by hand: <code className="select-all rounded bg-slate-100 px-1 py-0.5 dark:bg-slate-800">{s.mountCommand}</code>
              </div>
            </li>
          );
        })}
      </ul>
      {detach.error && <ErrorBanner error={detach.error} />}
      {attaching && <AttachDialog vm={vm} onClose={() => setAttaching(false)} />}
    </Card>
  );
}
