// Plain values, no TypeBox: the web imports this module on its own (@strata/contract/vm-rules)
// and checks a form with the same rules the server's schemas enforce.

/** Below this a Linux guest kernel does not boot: the server refuses it, and so does the form. */
export const MEMORY_MIB_MIN = 64;
export const MEMORY_MIB_MAX = 1048576;

/** vCPUs of one VM, whatever the topology (sockets × cores × threads). */
export const VCPUS_MAX = 64;

/** A graceful shutdown waits this long before the stop is forced. */
export const SHUTDOWN_TIMEOUT_SEC_MIN = 5;
export const SHUTDOWN_TIMEOUT_SEC_MAX = 3600;

/** The magic SysRq key sent through UML's mconsole: one lower-case letter or digit. */
export const SYSRQ_KEY_PATTERN = '^[0-9a-z]$';

export const VM_NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]*$';
export const VM_NAME_MAX_LENGTH = 63;
export const VM_NAME_RULE = 'letters, digits, dot, dash and underscore; starts with a letter or digit';

/** The largest disk Strata makes or grows to: 16 TiB, beyond any host here, but a bound all the same. */
export const DISK_SIZE_MAX_BYTES = 16 * 1024 ** 4;
/** The smallest: one MiB, so a disk size is never a typo of a few bytes. */
export const DISK_SIZE_MIN_BYTES = 1024 ** 2;
