import { useState, type FormEvent } from 'react';
import { Button } from '../../components/button';
import { Field, TextInput } from '../../components/field';
import { rangeProblem, type AuditFilter } from '../../shared/audit-filter';

const ACTIONS = [
  'vm.',
  'vm.create',
  'vm.start',
  'vm.stop',
  'vm.delete',
  'image.',
  'share.',
  'job.',
  'user.',
  'token.',
  'login',
  'login.failed',
];

/** The filters apply on submit, not per keystroke: each application is one request. */
export function AuditFilters({ value, onApply }: { value: AuditFilter; onApply: (f: AuditFilter) => void }) {
  const [draft, setDraft] = useState<AuditFilter>(value);
  const problem = rangeProblem(draft);
  const set = (key: keyof AuditFilter) => (e: { target: { value: string } }) => setDraft({ ...draft, [key]: e.target.value });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!problem) onApply(draft);
  };
  return (
    <form onSubmit={submit} aria-label="Filter activity" className="mb-4 grid gap-3 sm:grid-cols-2 lg:grid-cols-5">
      <Field label="User">
        <TextInput value={draft.user ?? ''} onChange={set('user')} placeholder="any" autoComplete="off" />
      </Field>
      <Field label="Action" hint="Exact, or a prefix ending in a dot: vm.">
        <TextInput value={draft.action ?? ''} onChange={set('action')} placeholder="any" list="audit-actions" autoComplete="off" />
      </Field>
      <datalist id="audit-actions">
        {ACTIONS.map((a) => (
          <option key={a} value={a} />
        ))}
      </datalist>
      <Field label="Target id">
        <TextInput value={draft.target ?? ''} onChange={set('target')} placeholder="any" autoComplete="off" />
      </Field>
      <Field label="From" error={problem?.startsWith('From') ? problem : null}>
        <TextInput type="datetime-local" value={draft.from ?? ''} onChange={set('from')} />
      </Field>
      <Field label="To" error={problem?.startsWith('To') ? problem : null}>
        <TextInput type="datetime-local" value={draft.to ?? ''} onChange={set('to')} />
      </Field>
      <div className="flex gap-2 sm:col-span-2 lg:col-span-5">
        <Button type="submit" variant="primary" disabled={problem !== null}>
          Apply filters
        </Button>
        <Button
          onClick={() => {
            setDraft({});
            onApply({});
          }}
        >
          Clear
        </Button>
      </div>
    </form>
  );
}
