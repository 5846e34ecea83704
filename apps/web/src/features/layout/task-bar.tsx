import { useState } from 'react';
import { Link } from 'react-router';
import { useJobs } from '../../api/image-actions';
import { useLayerMutations } from '../../api/layer-actions';
import { useVms } from '../../api/get-vms';
import { Button } from '../../components/button';
import { Dialog } from '../../components/dialog';
import { humanizeSizes } from '../../shared/error-text';
import { useActions } from '../../shared/action-feed';
import { useRole } from '../../shared/use-role';
import { STATE_WORDS, taskItems, type TaskItem } from './task-list';

const STATE_TONE: Record<TaskItem['state'], string> = {
  queued: 'text-slate-500',
  running: 'text-indigo-700 dark:text-indigo-300',
  succeeded: 'text-emerald-700 dark:text-emerald-400',
  failed: 'text-red-700 dark:text-red-400',
  cancelled: 'text-slate-500',
};

function TaskRow({ task, onNavigate }: { task: TaskItem; onNavigate: () => void }) {
  const { cancel } = useLayerMutations();
  const { cannot } = useRole();
  const refusal = cannot('cancel jobs');
  const pct = task.progress === undefined ? undefined : Math.round(task.progress * 100);
  return (
    <li data-testid="task" className="space-y-1 py-2">
      <div className="flex items-start justify-between gap-3 text-sm">
        <span className="min-w-0 font-medium [overflow-wrap:anywhere]">
          {task.link ? (
            <Link
              to={task.link}
              onClick={onNavigate}
              className="underline decoration-slate-300 underline-offset-2 hover:decoration-current"
            >
              {task.label}
            </Link>
          ) : (
            task.label
          )}
        </span>
        <span className={`shrink-0 ${STATE_TONE[task.state]}`}>
          {STATE_WORDS[task.state]}
          {pct !== undefined ? ` ${pct}%` : ''}
        </span>
      </div>
      {task.state === 'running' && (
        <div
          role="progressbar"
          aria-label={task.label}
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={pct}
          className="h-1.5 overflow-hidden rounded bg-slate-200 dark:bg-slate-800"
        >
          <div
            className={`h-full bg-indigo-500 ${pct === undefined ? 'w-1/3 animate-pulse' : ''}`}
            style={pct === undefined ? undefined : { width: `${pct}%` }}
          />
        </div>
      )}
      {task.detail && <p className="text-xs text-slate-500 [overflow-wrap:anywhere] dark:text-slate-400">{humanizeSizes(task.detail)}</p>}
      {task.cancelJobId && (
        <Button
          variant="ghost"
          className="-ml-3"
          disabled={refusal !== undefined || cancel.isPending}
          title={refusal}
          onClick={() => cancel.mutate(task.cancelJobId!)}
          aria-label={`Cancel ${task.label}`}
        >
          Cancel
        </Button>
      )}
    </li>
  );
}

function TaskSection({ title, tasks, empty, onNavigate }: { title: string; tasks: TaskItem[]; empty: string; onNavigate: () => void }) {
  return (
    <section>
      <h3 className="text-xs font-semibold tracking-wide text-slate-500 uppercase">{title}</h3>
      {tasks.length === 0 ? (
        <p className="py-2 text-sm text-slate-500">{empty}</p>
      ) : (
        <ul aria-label={title} className="divide-y divide-slate-200 dark:divide-slate-800">
          {tasks.map((t) => (
            <TaskRow key={t.key} task={t} onNavigate={onNavigate} />
          ))}
        </ul>
      )}
    </section>
  );
}

/**
 * The compact "N running" indicator on every page; it opens the list of work under way (jobs with
 * their progress and Cancel, actions waiting for the server, VMs starting or stopping) and of
 * what ended lately, each linked to the VM or image it concerns.
 */
export function TaskBar({ className = '' }: { className?: string }) {
  const [open, setOpen] = useState(false);
  const jobs = useJobs().data ?? [];
  const vms = useVms().data ?? [];
  const actions = useActions();
  const { open: running, recent } = taskItems(jobs, actions, vms);
  const close = () => setOpen(false);
  return (
    <>
      <button
        type="button"
        onClick={() => setOpen(true)}
        className={`inline-flex items-center gap-2 rounded-md px-2 py-1 text-xs text-slate-300 hover:bg-slate-800 hover:text-white ${className}`}
      >
        {running.length > 0 && (
          <span aria-hidden className="h-3 w-3 animate-spin rounded-full border-2 border-slate-500 border-t-indigo-300" />
        )}
        Tasks
        <span className={`rounded-full px-1.5 py-0.5 ${running.length > 0 ? 'bg-indigo-600 text-white' : 'bg-slate-800 text-slate-400'}`}>
          {running.length > 0 ? `${running.length} running` : 'none running'}
        </span>
      </button>
      {open && (
        <Dialog title="Tasks" onClose={close} footer={<Button onClick={close}>Close</Button>}>
          <TaskSection title="Under way" tasks={running} empty="Nothing is running." onNavigate={close} />
          <TaskSection title="Recent" tasks={recent} empty="Nothing has ended yet in this session." onNavigate={close} />
        </Dialog>
      )}
    </>
  );
}
