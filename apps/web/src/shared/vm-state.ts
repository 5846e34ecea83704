// A VM's state as text: share users carry it as a plain string, VMs as the VmState union.

/** The VM's process is up and answers (a paused guest too): live changes, console, mconsole, metrics. */
export const isRunning = (vm: { state: string }): boolean => vm.state === 'running' || vm.state === 'paused';

/**
 * Anything from start to stop, the transitions included: the VM holds its disks and shares.
 * The server's rule is the same (isActive in core); outside it a VM can be started, edited or deleted.
 */
export const isActive = (vm: { state: string }): boolean =>
  vm.state === 'starting' || vm.state === 'running' || vm.state === 'paused' || vm.state === 'stopping';
