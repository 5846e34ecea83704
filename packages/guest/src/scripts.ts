import { agentScript } from './agent-script.js';

/**
 * The guest's own init scripts. They are part of the recipe: changing any of them changes the
 * recipe hash and so rebuilds the image.
 */

/** Printed by the initramfs as soon as it runs; the host probe waits for it to judge an accelerator. */
export const INIT_MARKER = 'strata-initramfs: init reached';
export const PROBE_MARKER = 'STRATA_PROBE_OK';
/** Printed by the root file system's rcS once shares are mounted and the shell is about to start. */
export const READY_MARKER = 'strata-mini: ready';
export const PROMPT = '[strata-mini \\w]# ';

export const initramfsInit = `#!/bin/busybox sh
/bin/busybox mkdir -p /proc /sys /dev /newroot
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo "${INIT_MARKER}"
case " $(cat /proc/cmdline) " in
  *" strata.probe=1 "*) echo "${PROBE_MARKER}"; poweroff -f ;;
esac
for m in $(cat /etc/modules.order); do
  insmod "/lib/modules/$m.ko" 2>/dev/null || echo "strata-initramfs: could not load $m"
done
root=/dev/vda
for arg in $(cat /proc/cmdline); do
  case "$arg" in root=*) root="\${arg#root=}" ;; esac
done
i=0
while [ ! -b "$root" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
if mount -t ext4 "$root" /newroot; then
  mount --move /dev /newroot/dev
  mount --move /sys /newroot/sys
  mount --move /proc /newroot/proc
  exec switch_root /newroot /sbin/init
fi
echo "strata-initramfs: cannot mount the root file system $root; here is a rescue shell"
exec setsid cttyhack sh
`;

// Ctrl-Alt-Del (UML's mconsole "cad") is how a UML guest is asked to shut down: power off cleanly.
export const inittab = `::sysinit:/etc/init.d/rcS
::respawn:/bin/cttyhack /bin/sh -l
::ctrlaltdel:/sbin/poweroff
::shutdown:/etc/init.d/rcK
`;

/** Shares arrive on the kernel command line as strata.mount=<transport>:<tag>[:<options>]. */
export const rcS = `#!/bin/sh
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
[ -e /proc/self ] || mount -t proc proc /proc
[ -d /sys/kernel ] || mount -t sysfs sysfs /sys
[ -e /dev/null ] || mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
mount -o remount,rw /
hostname -F /etc/hostname

mount_share() {
  transport="\${1%%:*}"; rest="\${1#*:}"
  tag="\${rest%%:*}"; opts=""
  [ "$rest" != "$tag" ] && opts="\${rest#*:}"
  mkdir -p "/mnt/$tag"
  case "$transport" in
    9p) mount -t 9p -o "trans=virtio\${opts:+,$opts}" "$tag" "/mnt/$tag" ;;
    virtiofs) mount -t virtiofs \${opts:+-o "$opts"} "$tag" "/mnt/$tag" ;;
    hostfs) mount -t hostfs \${opts:+-o "$opts"} none "/mnt/$tag" ;;
    *) echo "strata-mini: unknown share transport $transport"; return 1 ;;
  esac && echo "strata-mini: mounted $transport share $tag at /mnt/$tag"
}

for arg in $(cat /proc/cmdline); do
  case "$arg" in strata.mount=*) mount_share "\${arg#strata.mount=}" ;; esac
done
# The ACPI power button (QEMU's system_powerdown) ends in /etc/acpi/PWRF/00000080: a clean poweroff.
acpid
ip link set lo up
if [ -e /sys/class/net/eth0 ]; then
  ip link set eth0 up
  udhcpc -i eth0 -s /etc/udhcpc.script -q -n -t 5 >/dev/null 2>&1 &
fi
# QEMU's graphical console: the kernel also writes to tty0 there, so the screen gets a shell of its own.
case " $(cat /proc/cmdline) " in
  *" console=tty0 "*) (while :; do setsid sh -c 'exec sh -l </dev/tty1 >/dev/tty1 2>&1'; sleep 1; done) & ;;
esac
for arg in $(cat /proc/cmdline); do
  case "$arg" in strata.agent=*) setsid /sbin/strata-agent "\${arg#strata.agent=}" </dev/null & ;; esac
done
echo "${READY_MARKER}"
`;

export const rcK = `#!/bin/sh
sync
umount -a -r 2>/dev/null
`;

export const profile = `export PATH=/bin:/sbin:/usr/bin:/usr/sbin
export PS1='${PROMPT}'
export HOME=/root
cd /root
`;

export const etcFiles: Record<string, string> = {
  'etc/inittab': inittab,
  'etc/profile': profile,
  'etc/hostname': 'strata-mini\n',
  'etc/passwd': 'root:x:0:0:root:/root:/bin/sh\n',
  'etc/group': 'root:x:0:\n',
  'etc/fstab': '',
};

/** busybox udhcpc hands the lease to this script in its environment. */
export const udhcpcScript = `#!/bin/sh
case "$1" in
  bound|renew)
    ip addr flush dev "$interface"
    ip addr add "$ip/\${mask:-24}" dev "$interface"
    [ -n "$router" ] && ip route add default via "\${router%% *}" dev "$interface"
    : > /etc/resolv.conf
    for d in $dns; do echo "nameserver $d" >> /etc/resolv.conf; done
    ;;
esac
`;

export const executableFiles: Record<string, string> = {
  'sbin/strata-agent': agentScript,
  'etc/init.d/rcS': rcS,
  'etc/init.d/rcK': rcK,
  'etc/udhcpc.script': udhcpcScript,
  'etc/acpi/PWRF/00000080': '#!/bin/sh\npoweroff\n',
};
