import { useState } from 'react';
import type { UmlAction, Vm } from '@strata/contract';
import { SYSRQ_KEY_PATTERN } from '@strata/contract/vm-rules';
import { useUbdDevices, useUmlMutations } from '../../api/uml-actions';
import { Button } from '../../components/button';
import { Card } from '../../components/card';
import { Dialog } from '../../components/dialog';
import { Field, TextInput } from '../../components/field';
import { EmptyState, ErrorBanner, Notice } from '../../components/feedback';
import { formatBytes } from '../../components/format';
import { isRunning } from '../../shared/vm-state';
import { useRole } from '../../shared/use-role';

const SYSRQ_KEY = new RegExp(SYSRQ_KEY_PATTERN);

const actions: { action: UmlAction['action']; label: string; confirm?: string }[] = [
  { action: 'cad', label: 'Ctrl-Alt-Del', confirm: 'The default guest powers off cleanly on Ctrl-Alt-Del.' },
  {
    action: 'reboot',
    label: 'Reboot',
    confirm: 'An immediate reboot, without the guest shutting down: unsaved data in the guest is lost.',
  },
  { action: 'halt', label: 'Halt', confirm: 'An immediate halt, without the guest shutting down: unsaved data in the guest is lost.' },
];

/** UML's management console: power actions, sysrq, and scratch ubd disks plugged in live. */
export function UmlPanel({ vm }: { vm: Vm }) {
  const live = isRunning(vm);
  const { action, addDisk, removeDisk } = useUmlMutations(vm.id);
  const disks = useUbdDevices(vm.id, live);
  const [key, setKey] = useState('s');
  const [asking, setAsking] = useState<(typeof actions)[number] | null>(null);
  const [size, setSize] = useState(64);
  const { canOperate } = useRole();
  if (!canOperate) return <EmptyState title="Operators only">Viewers cannot send commands to UML's management console.</EmptyState>;
  if (!live) return <EmptyState title="Not running">The management console works while the VM runs: start it to send commands.</EmptyState>;
  return (
    <div className="grid gap-4 lg:grid-cols-2">
      <Card title="Management console">
        <div className="flex flex-wrap gap-2">
          {actions.map((a) => (
            <Button key={a.action} disabled={action.isPending} onClick={() => setAsking(a)}>
              {a.label}
            </Button>
          ))}
          {vm.state === 'running' ? (
            <Button disabled={action.isPending} onClick={() => action.mutate({ action: 'stop' })}>
              Stop (pause)
            </Button>
          ) : (
            <Button variant="primary" disabled={action.isPending} onClick={() => action.mutate({ action: 'go' })}>
              Go (resume)
            </Button>
          )}
        </div>
        <div className="mt-4 flex items-end gap-2">
          <Field label="sysrq key" hint="s sync, u remount read-only, t task states, m memory, h help">
            <TextInput name="sysrqKey" value={key} maxLength={1} className="w-16" onChange={(e) => setKey(e.target.value.toLowerCase())} />
          </Field>
          <Button disabled={action.isPending || !SYSRQ_KEY.test(key)} onClick={() => action.mutate({ action: 'sysrq', key })}>
            Send sysrq
          </Button>
        </div>
        {action.data && (
          <pre
            data-testid="mconsole-reply"
            className="mt-3 max-h-48 overflow-auto whitespace-pre-wrap rounded bg-slate-100 p-2 text-xs dark:bg-slate-800"
          >
            {action.data.reply || 'OK'}
          </pre>
        )}
        {action.error && (
          <div className="mt-3">
            <ErrorBanner error={action.error} />
          </div>
        )}
      </Card>
      <Card
        title="Disks (ubd)"
        actions={
          <div className="flex items-center gap-2">
            <label className="flex items-center gap-1.5 text-xs font-medium text-slate-600 dark:text-slate-300">
              Scratch disk size (MiB)
              <TextInput
                name="scratchDiskMiB"
                type="number"
                min={1}
                className="w-24"
                value={size}
                onChange={(e) => setSize(Number(e.target.value))}
              />
            </label>
            <Button disabled={addDisk.isPending || size < 1} onClick={() => addDisk.mutate(size)}>
              Add scratch disk
            </Button>
          </div>
        }
      >
        <Notice>
          A scratch disk is a blank file in the VM's directory, plugged in while it runs. Removing one deletes it and its data; none are
          kept across restarts.
        </Notice>
        <ul className="mt-2 divide-y divide-slate-200 text-sm dark:divide-slate-800">
          {disks.data?.map((d) => (
            <li key={d.device} className="flex items-center justify-between gap-2 py-2">
              <span className="min-w-0">
                <span className="font-medium">{d.device}</span>{' '}
                <span className="break-all text-slate-500">
                  {d.path} · {formatBytes(d.sizeBytes)}
                </span>
              </span>
              {d.path.includes('/scratch-') && (
                <Button variant="ghost" disabled={removeDisk.isPending} onClick={() => removeDisk.mutate(d.device)}>
                  Remove
                </Button>
              )}
            </li>
          ))}
        </ul>
        {(addDisk.error ?? removeDisk.error) && <ErrorBanner error={addDisk.error ?? removeDisk.error} />}
      </Card>
      {asking && (
        <Dialog
          title={`${asking.label} ${vm.name}?`}
          onClose={() => setAsking(null)}
          footer={
            <>
              <Button onClick={() => setAsking(null)}>Cancel</Button>
              <Button
                variant={asking.action === 'cad' ? 'primary' : 'danger'}
                onClick={() => action.mutate({ action: asking.action }, { onSettled: () => setAsking(null) })}
              >
                {asking.label}
              </Button>
            </>
          }
        >
          <p className="text-sm">{asking.confirm}</p>
        </Dialog>
      )}
    </div>
  );
}
