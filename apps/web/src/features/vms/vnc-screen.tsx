import { useEffect, useRef, useState } from 'react';
import RFB from '@novnc/novnc';
import { useRole } from '../../shared/use-role';

type Status = 'connecting' | 'connected' | 'closed';

const vncUrl = (vmId: string) =>
  `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/v1/vms/${encodeURIComponent(vmId)}/vnc`;

/**
 * The VM's screen through noVNC. The socket is the server's own (login, origin check, roles); a
 * viewer's session is view-only here and its input is dropped by the server as well.
 */
export default function VncScreen({ vmId, running }: { vmId: string; running: boolean }) {
  const frame = useRef<HTMLDivElement>(null);
  const screen = useRef<HTMLDivElement>(null);
  const rfbRef = useRef<RFB | null>(null);
  const [status, setStatus] = useState<Status>('connecting');
  const readOnly = !useRole().canOperate;
  const readOnlyRef = useRef(readOnly);
  const [full, setFull] = useState(false);

  useEffect(() => {
    const onChange = () => setFull(document.fullscreenElement === frame.current);
    document.addEventListener('fullscreenchange', onChange);
    return () => document.removeEventListener('fullscreenchange', onChange);
  }, []);

  useEffect(() => {
    readOnlyRef.current = readOnly;
    if (rfbRef.current) rfbRef.current.viewOnly = readOnly;
  }, [readOnly]);

  useEffect(() => {
    if (!running) return;
    let disposed = false;
    let retry: ReturnType<typeof setTimeout> | undefined;
    const connect = () => {
      setStatus('connecting');
      const rfb = new RFB(screen.current!, vncUrl(vmId), { shared: true });
      rfb.viewOnly = readOnlyRef.current;
      rfb.scaleViewport = true;
      rfb.background = '#0b1120';
      rfbRef.current = rfb;
      rfb.addEventListener('connect', () => setStatus('connected'));
      rfb.addEventListener('disconnect', (e) => {
        rfbRef.current = null;
        setStatus('closed');
        // A clean end is the VM stopping; anything else (a server restart) is worth a retry.
        const clean = (e as CustomEvent<{ clean: boolean }>).detail?.clean;
        if (!disposed && !clean) retry = setTimeout(connect, 2000);
      });
    };
    connect();
    return () => {
      disposed = true;
      clearTimeout(retry);
      rfbRef.current?.disconnect();
      rfbRef.current = null;
    };
  }, [vmId, running]);

  const label = running ? { connecting: 'connecting…', connected: 'connected', closed: 'disconnected' }[status] : 'VM not running';
  const fullScreen = () => void frame.current?.requestFullscreen?.().catch(() => undefined);
  return (
    <div ref={frame} className="flex flex-col overflow-hidden rounded-lg border border-slate-800 bg-[#0b1120]">
      {readOnly && (
        <p className="border-b border-slate-800 px-3 py-1.5 text-xs text-amber-200">
          Read-only: viewers see the screen but their keys and mouse never reach the VM.
        </p>
      )}
      <div className="flex flex-wrap items-center justify-between gap-2 border-b border-slate-800 px-3 py-1.5 text-xs text-slate-300">
        <span>Graphical console (VGA)</span>
        <span className="flex items-center gap-2">
          {!readOnly && (
            <button
              type="button"
              className="rounded border border-slate-600 px-2 py-0.5 text-slate-100 hover:bg-slate-800 disabled:opacity-50"
              disabled={status !== 'connected'}
              onClick={() => {
                rfbRef.current?.sendCtrlAltDel();
                rfbRef.current?.focus();
              }}
            >
              Send Ctrl-Alt-Del
            </button>
          )}
          <button
            type="button"
            className="rounded border border-slate-600 px-2 py-0.5 text-slate-100 hover:bg-slate-800"
            onClick={fullScreen}
          >
            Full screen
          </button>
          <span data-testid="vnc-status">{label}</span>
        </span>
      </div>
      {running ? (
        <div
          ref={screen}
          data-testid="vnc-screen"
          aria-label="The VM's screen"
          role="group"
          className={full ? 'h-[calc(100vh-2.5rem)] w-full' : 'h-[28rem] w-full'}
        />
      ) : (
        <p className="p-6 text-sm text-slate-300">Start the VM to see its screen.</p>
      )}
    </div>
  );
}
