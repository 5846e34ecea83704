import { Suspense, lazy, useEffect, useId, useRef, useState } from 'react';
import { Terminal } from '@xterm/xterm';
import { AttachAddon } from '@xterm/addon-attach';
import { FitAddon } from '@xterm/addon-fit';
import '@xterm/xterm/css/xterm.css';
import { useVm } from '../../api/get-vm';
import { useRole } from '../../shared/use-role';

type Status = 'connecting' | 'connected' | 'closed';

/** virsh console's escape key, and Shift+Esc for keyboards where ] needs a modifier of its own. */
const isReleaseKey = (e: KeyboardEvent) =>
  (e.ctrlKey && !e.altKey && (e.key === ']' || e.code === 'BracketRight')) || (e.shiftKey && e.key === 'Escape');
const RELEASE_HINT = 'Ctrl+] or Shift+Esc leaves the terminal; Enter on it goes back in.';

/**
 * The VM's serial console. The server replays its scrollback on every connect, so a reconnect
 * (after a server restart, say) starts from a clean terminal instead of printing things twice.
 *
 * The terminal keeps Tab and Escape for the guest's shell, so the keyboard needs another way out:
 * the release key moves focus to the terminal's frame, which is the tab stop (the terminal's own
 * input is not), so Tab and Shift+Tab then carry on through the page as usual.
 */
function SerialConsole({ vmId, running }: { vmId: string; running: boolean }) {
  const host = useRef<HTMLDivElement>(null);
  const frame = useRef<HTMLDivElement>(null);
  const termRef = useRef<Terminal | null>(null);
  const [status, setStatus] = useState<Status>('connecting');
  const hintId = useId();
  // UML's line discipline sends bare \n on the console, which a terminal draws as stairs.
  const convertEol = useVm(vmId).data?.hypervisor === 'uml';
  const convertEolRef = useRef(convertEol);
  // A viewer watches the console; the server drops what a viewer would type anyway.
  const readOnly = !useRole().canOperate;
  const readOnlyRef = useRef(readOnly);

  useEffect(() => {
    convertEolRef.current = convertEol;
    if (termRef.current) termRef.current.options.convertEol = convertEol;
  }, [convertEol]);

  useEffect(() => {
    readOnlyRef.current = readOnly;
    if (termRef.current) termRef.current.options.disableStdin = readOnly;
  }, [readOnly]);

  useEffect(() => {
    const term = new Terminal({
      convertEol: convertEolRef.current,
      disableStdin: readOnlyRef.current,
      cursorBlink: true,
      fontSize: 13,
      scrollback: 5000,
      theme: { background: '#0b1120' },
    });
    termRef.current = term;
    const fit = new FitAddon();
    term.loadAddon(fit);
    term.open(host.current!);
    fit.fit();
    term.attachCustomKeyEventHandler((e) => {
      if (!isReleaseKey(e)) return true;
      if (e.type === 'keydown') {
        e.preventDefault();
        frame.current?.focus();
      }
      return false;
    });
    if (term.textarea) {
      term.textarea.tabIndex = -1;
      term.textarea.setAttribute('aria-description', RELEASE_HINT);
    }
    const onResize = () => fit.fit();
    window.addEventListener('resize', onResize);
    let socket: WebSocket | null = null;
    let attach: AttachAddon | null = null;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let disposed = false;

    const connect = () => {
      setStatus('connecting');
      const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/v1/vms/${encodeURIComponent(vmId)}/console`;
      socket = new WebSocket(url);
      socket.onopen = () => {
        term.reset();
        attach = new AttachAddon(socket!);
        term.loadAddon(attach);
        setStatus('connected');
        // Ready to type into a running guest, unless the user is busy with something else.
        if (running && (document.activeElement === null || document.activeElement === document.body)) term.focus();
      };
      socket.onclose = (event) => {
        attach?.dispose();
        attach = null;
        setStatus('closed');
        // 1000 means the server closed it on purpose (the VM stopped); anything else is worth a retry.
        if (!disposed && running && event.code !== 1000) retry = setTimeout(connect, 1500);
      };
    };
    connect();
    return () => {
      disposed = true;
      clearTimeout(retry);
      window.removeEventListener('resize', onResize);
      socket?.close();
      termRef.current = null;
      term.dispose();
    };
  }, [vmId, running]);

  const label = { connecting: 'connecting…', connected: 'connected', closed: running ? 'disconnected' : 'VM not running' }[status];
  return (
    <div className="overflow-hidden rounded-lg border border-slate-800 bg-[#0b1120]">
      {readOnly && (
        <p className="border-b border-slate-800 px-3 py-1.5 text-xs text-amber-200">
          Read-only: viewers see the console but cannot type into it.
        </p>
      )}
      <div className="flex flex-wrap items-center justify-between gap-x-4 border-b border-slate-800 px-3 py-1.5 text-xs text-slate-300">
        <span>Serial console (ttyS0)</span>
        <span id={hintId} data-testid="console-keys">
          {RELEASE_HINT}
        </span>
        <span data-testid="console-status">{label}</span>
      </div>
      <div
        ref={frame}
        tabIndex={0}
        role="group"
        aria-label="Serial console"
        aria-describedby={hintId}
        data-testid="console-frame"
        onKeyDown={(e) => {
          if (e.target === e.currentTarget && e.key === 'Enter') {
            e.preventDefault();
            termRef.current?.focus();
          }
        }}
        className="rounded-b-lg focus-visible:outline-offset-[-2px] focus-visible:outline-indigo-300 has-[textarea:focus]:outline-2 has-[textarea:focus]:outline-offset-[-2px] has-[textarea:focus]:outline-indigo-400"
      >
        <div ref={host} data-testid="console" className="h-[28rem] p-2" />
      </div>
    </div>
  );
}

// noVNC is loaded only when someone opens the screen: most visits to a VM never do.
const VncScreen = lazy(() => import('./vnc-screen'));
type Mode = 'serial' | 'graphical';

/** The Console tab: the serial line (every VM) or the screen (QEMU VMs; UML has no display). */
export function ConsolePanel({ vmId, running }: { vmId: string; running: boolean }) {
  const [mode, setMode] = useState<Mode>('serial');
  const uml = useVm(vmId).data?.hypervisor === 'uml';
  const modes: { key: Mode; label: string }[] = [
    { key: 'serial', label: 'Serial' },
    { key: 'graphical', label: 'Graphical' },
  ];
  return (
    <div className="space-y-2">
      <div
        role="radiogroup"
        aria-label="Console"
        className="inline-flex overflow-hidden rounded-md border border-slate-300 dark:border-slate-700"
      >
        {modes.map((m) => (
          <button
            key={m.key}
            type="button"
            role="radio"
            aria-checked={mode === m.key}
            onClick={() => setMode(m.key)}
            className={`px-3 py-1 text-sm ${mode === m.key ? 'bg-indigo-600 text-white' : 'bg-white text-slate-700 hover:bg-slate-100 dark:bg-slate-900 dark:text-slate-200 dark:hover:bg-slate-800'}`}
          >
            {m.label}
          </button>
        ))}
      </div>
      {mode === 'serial' && <SerialConsole vmId={vmId} running={running} />}
      {mode === 'graphical' &&
        (uml ? (
          <p className="rounded-lg border border-slate-300 p-4 text-sm dark:border-slate-700" data-testid="vnc-none">
            User-Mode Linux has no screen: its kernel runs as a process on the host, without a graphics card. Use the serial console.
          </p>
        ) : (
          <Suspense fallback={<p className="p-4 text-sm">Loading the screen viewer…</p>}>
            <VncScreen vmId={vmId} running={running} />
          </Suspense>
        ))}
    </div>
  );
}
