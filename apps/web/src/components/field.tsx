import { cloneElement, createContext, isValidElement, useContext, useId, type InputHTMLAttributes, type ReactNode } from 'react';

export const inputClass =
  'w-full rounded-md border border-slate-300 bg-white px-2.5 py-1.5 text-sm shadow-sm focus:border-indigo-500 aria-[invalid=true]:border-red-500 dark:border-slate-700 dark:bg-slate-950 dark:aria-[invalid=true]:border-red-400';

interface ControlState {
  'aria-invalid'?: true;
  'aria-describedby'?: string;
}

/** What the Field around a control says about it: invalid or not, and which text describes it. */
const FieldContext = createContext<ControlState>({});

/**
 * A labelled control. The label wraps the control, so clicking it focuses the control; the error
 * (or else the hint) describes it, and an error marks it aria-invalid. TextInput reads this from
 * context; a single native control (a <select>, say) is given the attributes directly.
 */
export function Field({ label, error, hint, children }: { label: string; error?: string | null; hint?: ReactNode; children: ReactNode }) {
  const id = useId();
  const describedBy = error || hint ? `${id}-note` : undefined;
  const state: ControlState = { ...(error ? { 'aria-invalid': true } : {}), ...(describedBy ? { 'aria-describedby': describedBy } : {}) };
  const control =
    isValidElement<ControlState>(children) && typeof children.type === 'string'
      ? cloneElement(children, { ...state, ...children.props })
      : children;
  return (
    <label className="block space-y-1">
      <span className="text-sm font-medium text-slate-700 dark:text-slate-300">{label}</span>
      <FieldContext.Provider value={state}>{control}</FieldContext.Provider>
      {error ? (
        <span id={describedBy} role="alert" className="block text-xs text-red-600 dark:text-red-400">
          {error}
        </span>
      ) : hint ? (
        <span id={describedBy} className="block text-xs text-slate-500 dark:text-slate-400">
          {hint}
        </span>
      ) : null}
    </label>
  );
}

export function TextInput(props: InputHTMLAttributes<HTMLInputElement>) {
  const state = useContext(FieldContext);
  return <input {...state} {...props} className={`${inputClass} ${props.className ?? ''}`} />;
}
