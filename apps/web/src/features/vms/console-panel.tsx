import { useEffect, useRef, useState } from 'react';
import { Terminal } from '@xterm/xterm';
import { AttachAddon } from '@xterm/addon-attach';
import { FitAddon } from '@xterm/addon-fit';
import '@xterm/xterm/css/xterm.css';

type Status = 'connecting' | 'connected' | 'closed';

/**
 * The VM's serial console. The server replays its scrollback on every connect, so a reconnect
 * (after a server restart, say) starts from a clean terminal instead of printing things twice.
 */
export function ConsolePanel({ vmId, running }: { vmId: string; running: boolean }) {
  const host = useRef<HTMLDivElement>(null);
  const [status, setStatus] = useState<Status>('connecting');

  useEffect(() => {
    const term = new Terminal({ convertEol: false, cursorBlink: true, fontSize: 13, scrollback: 5000, theme: { background: '#0b1120' } });
    const fit = new FitAddon();
    term.loadAddon(fit);
    term.open(host.current!);
    fit.fit();
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
        term.focus();
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
      term.dispose();
    };
  }, [vmId, running]);

  const label = { connecting: 'connecting…', connected: 'connected', closed: running ? 'disconnected' : 'VM not running' }[status];
  return (
    <div className="overflow-hidden rounded-lg border border-slate-800 bg-[#0b1120]">
      <div className="flex items-center justify-between border-b border-slate-800 px-3 py-1.5 text-xs text-slate-400">
        <span>Serial console (ttyS0)</span>
        <span data-testid="console-status">{label}</span>
      </div>
      <div ref={host} data-testid="console" className="h-[28rem] p-2" />
    </div>
  );
}
