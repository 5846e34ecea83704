import { useRef, type KeyboardEvent, type ReactNode } from 'react';

export interface TabDef<K extends string> {
  key: K;
  label: string;
}

const tabId = (idBase: string, key: string) => `${idBase}-tab-${key}`;
const panelId = (idBase: string, key: string) => `${idBase}-panel-${key}`;

/**
 * A tab list per the WAI-ARIA tabs pattern: one tab in the Tab order (roving tabindex), arrow keys,
 * Home and End move between tabs and select them (automatic activation: a panel is cheap to show).
 */
export function TabList<K extends string>({
  idBase,
  tabs,
  selected,
  onSelect,
  label,
}: {
  idBase: string;
  tabs: TabDef<K>[];
  selected: K;
  onSelect: (key: K) => void;
  label: string;
}) {
  const refs = useRef(new Map<K, HTMLButtonElement>());
  const move = (e: KeyboardEvent<HTMLDivElement>) => {
    // From the focused tab, not `selected`: a selection made by the URL renders in a transition, so
    // a second arrow key can come before it and would otherwise start from the tab before.
    const focused = tabs.findIndex((t) => refs.current.get(t.key) === document.activeElement);
    const at = focused >= 0 ? focused : tabs.findIndex((t) => t.key === selected);
    const to =
      e.key === 'ArrowRight'
        ? (at + 1) % tabs.length
        : e.key === 'ArrowLeft'
          ? (at - 1 + tabs.length) % tabs.length
          : e.key === 'Home'
            ? 0
            : e.key === 'End'
              ? tabs.length - 1
              : -1;
    if (to < 0) return;
    e.preventDefault();
    const key = tabs[to]!.key;
    onSelect(key);
    refs.current.get(key)?.focus();
  };
  return (
    <div
      role="tablist"
      aria-label={label}
      onKeyDown={move}
      className="mb-4 flex gap-1 overflow-x-auto border-b border-slate-200 dark:border-slate-800"
    >
      {tabs.map((t) => {
        const on = t.key === selected;
        return (
          <button
            key={t.key}
            ref={(el) => {
              if (el) refs.current.set(t.key, el);
              else refs.current.delete(t.key);
            }}
            id={tabId(idBase, t.key)}
            role="tab"
            type="button"
            aria-selected={on}
            // Only the selected panel is rendered: the others' ids would point at nothing.
            aria-controls={on ? panelId(idBase, t.key) : undefined}
            tabIndex={on ? 0 : -1}
            onClick={() => onSelect(t.key)}
            className={`-mb-px whitespace-nowrap border-b-2 px-3 py-2 text-sm focus-visible:outline-2 focus-visible:outline-indigo-500 ${on ? 'border-indigo-600 font-medium text-indigo-700 dark:text-indigo-300' : 'border-transparent text-slate-500 hover:text-slate-800 dark:text-slate-400 dark:hover:text-slate-200'}`}
          >
            {t.label}
          </button>
        );
      })}
    </div>
  );
}

/** The panel of the selected tab, labelled by it. */
export function TabPanel({ idBase, tabKey, children }: { idBase: string; tabKey: string; children: ReactNode }) {
  return (
    <div
      role="tabpanel"
      id={panelId(idBase, tabKey)}
      aria-labelledby={tabId(idBase, tabKey)}
      tabIndex={0}
      className="rounded-sm focus-visible:outline-2 focus-visible:outline-offset-4 focus-visible:outline-indigo-500"
    >
      {children}
    </div>
  );
}
