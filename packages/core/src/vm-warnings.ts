import { REATTACH_RETRY_MS } from './errors.js';
import type { VmRecord } from './records.js';

/** What the VM's share attachments should tell the user; pure, so the view and the shares service both use it. */
export const shareWarnings = (vm: VmRecord): string[] => [
  ...vm.shares
    .filter((s) => s.transport === '9p' && s.options.securityModel === 'passthrough')
    .map((s) => `share ${s.tag} uses security_model=passthrough: files the guest's root creates belong to root on the host`),
  ...vm.shares
    .filter((s) => s.pending)
    .map((s) => `share ${s.tag} applies at the next start (it could not be plugged into the running VM)`),
];

/** A share whose daemon (virtiofsd) died under a running VM: the guest's file calls on it never return. */
export const lostShareWarning = (tag: string): string =>
  `share \`${tag}\` lost its daemon; the guest's accesses hang until the VM restarts`;

/** An autostart VM that did not come up when Strata started after a host boot. */
export const autostartWarning = (reason: string): string => `the start after the host booted failed: ${reason}`;

/** A VM whose process runs but could not be taken control of at server start. */
export const unattachedWarning = (reason: string): string =>
  `Strata could not attach to this VM's running process (${reason}); it keeps its last known state; Strata tries again every ${REATTACH_RETRY_MS / 1000} s`;
