import { Notice } from '../components/feedback';

interface GuestRootPowers {
  label: string;
  /** Effectively host root for file ownership: what the guest's root makes belongs to root on the host. */
  hostRoot: boolean;
  text: string;
}

const INERT =
  'Setuid/setgid bits and device nodes it leaves there do nothing on the host: Strata mounts every share root nosuid,nodev, and clears setuid/setgid bits in the share when the VM stops.';

/** What a guest's root can and cannot do to host files, per transport and 9p security model. */
function guestRootPowers(transport: string, securityModel = 'mapped-xattr'): GuestRootPowers {
  if (transport === 'virtiofs') {
    return {
      label: 'virtiofs',
      hostRoot: true,
      text: `virtiofsd runs as root with no user mapping: files the guest's root creates are owned by root on the host, and it can change owners and modes of anything in the share. It cannot set setuid or setgid bits, set file capabilities or make device nodes (virtiofsd is filtered against them), and cannot reach files outside the share. Share roots are also mounted nosuid,nodev.`,
    };
  }
  if (transport === 'hostfs') {
    return {
      label: 'hostfs',
      hostRoot: false,
      text: "The UML kernel runs as an unprivileged user: the guest's root writes files as that user and cannot change owners on the host. Setuid/setgid bits it sets are cleared when the VM stops.",
    };
  }
  if (securityModel === 'passthrough') {
    return {
      label: '9p passthrough',
      hostRoot: true,
      text: `QEMU runs as root and stores the guest's owners as they are: the guest's root creates root-owned files on the host, can chown anything in the share and may try to make device nodes. ${INERT}`,
    };
  }
  if (securityModel === 'none') {
    return {
      label: '9p none',
      hostRoot: true,
      text: `Like passthrough, but failed owner changes are ignored: files are created by QEMU, which runs as root, so they belong to root on the host, with the guest's modes. ${INERT}`,
    };
  }
  const where = securityModel === 'mapped-file' ? 'a hidden .virtfs_metadata directory' : 'extended attributes';
  return {
    label: `9p ${securityModel}`,
    hostRoot: false,
    text: `Owners, modes and special files the guest sets are recorded in ${where}, not applied: on the host, files stay plain, owner-only (0600) files of the user QEMU runs as. The guest's root cannot make a setuid program or a device node that means anything on the host.`,
  };
}

/** The attach dialog's plain-words summary for the chosen transport. */
export function GuestRootNotice({ transport, securityModel }: { transport: string; securityModel?: string }) {
  const p = guestRootPowers(transport, securityModel);
  return (
    <Notice tone={p.hostRoot ? 'warn' : 'info'}>
      {p.hostRoot ? "The guest's root is effectively root over these files on the host. " : ''}
      {p.text}
    </Notice>
  );
}

/** Every choice side by side, for the Shares page. */
export function GuestRootTable() {
  const rows = [
    guestRootPowers('9p', 'mapped-xattr'),
    guestRootPowers('9p', 'mapped-file'),
    guestRootPowers('9p', 'none'),
    guestRootPowers('9p', 'passthrough'),
    guestRootPowers('virtiofs'),
    guestRootPowers('hostfs'),
  ];
  return (
    // Folded by default: it is reference reading, and the share list comes first on the page.
    <details className="mt-6 rounded-lg border border-slate-200 p-4 text-sm dark:border-slate-800" data-testid="guest-root-powers">
      <summary className="cursor-pointer font-medium">What a guest's root can do on the host</summary>
      <dl className="mt-3 grid gap-x-4 gap-y-2 sm:grid-cols-[10rem_1fr]">
        {rows.map((r) => [
          <dt key={`${r.label}-t`} className="mt-2 font-mono text-xs first:mt-0 sm:mt-0">
            {r.label}
            {/* The space is text, so a screen reader says "none, host root" rather than "nonehost root". */}
            {r.hostRoot && (
              <>
                {' '}
                <span className="text-amber-700 dark:text-amber-400">host root</span>
              </>
            )}
          </dt>,
          <dd key={`${r.label}-d`} className="text-slate-600 dark:text-slate-400">
            {r.text}
          </dd>,
        ])}
      </dl>
    </details>
  );
}
