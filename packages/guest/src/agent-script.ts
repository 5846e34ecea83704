/**
 * /sbin/strata-agent, started by rcS when the kernel command line has strata.agent=<channel>:
 * `virtio:<port name>` (QEMU's virtio-serial port) or a serial line such as `/dev/ttyS1` (UML).
 * The host side of its wire format is packages/core/src/agent-wire.ts; keep the two in step.
 */

/** Everything but the channel: the checks and the work, as functions (a unit test drives `handle`). */
export const agentFunctions = `#!/bin/sh
# Strata's benchmark agent. It reads one request per line on its own channel (never the console)
# and writes one reply per line: \`ok <id>[ <payload>]\` or \`err <id> <message>\`. Every word of a
# request is checked with a case pattern before use, and nothing from it is ever evaluated.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
where="$1"
# fio's report and the last command's complaints (a tmpfs in the guest).
scratch=/tmp

# A message from a command, made safe for one reply line.
clean() { tr -c 'A-Za-z0-9 ._,:=/()+-' ' ' | tr -s ' ' | head -c 300; }
say() { printf '%s\\n' "$1" >&3; }
bad() { say "err $id malformed $1"; }
is_count() { case "$1" in '' | *[!0-9]*) return 1 ;; esac; [ \${#1} -le "$2" ] && [ "$1" -gt 0 ]; }
is_tag() { case "$1" in '' | -* | *[!A-Za-z0-9_-]*) return 1 ;; esac; [ \${#1} -le 31 ]; }
is_file() { case "$1" in '' | -* | .* | *[!A-Za-z0-9._-]*) return 1 ;; esac; [ \${#1} -le 64 ]; }
is_mounted() { grep -q " $1 " /proc/mounts; }

channel() {
  case "$where" in
    virtio:*[!A-Za-z0-9._-]* | virtio:) return 1 ;;
    virtio:*)
      for p in /sys/class/virtio-ports/*; do
        [ -r "$p/name" ] && [ "$(cat "$p/name")" = "\${where#virtio:}" ] && echo "/dev/\${p##*/}" && return 0
      done
      ;;
    /dev/ttyS[0-9] | /dev/ttyS[0-9][0-9]) [ -c "$where" ] && echo "$where" && return 0 ;;
  esac
  return 1
}

do_mount() {
  transport="$1" tag="$2" opts="$3"
  case "$transport" in 9p | virtiofs | hostfs) ;; *) bad transport; return ;; esac
  is_tag "$tag" || { bad tag; return; }
  case "$opts" in -) opts="" ;; '' | *[!A-Za-z0-9=,._-]*) bad options; return ;; esac
  [ \${#opts} -le 200 ] || { bad options; return; }
  dir="/bench/$tag"
  mkdir -p "$dir"
  # A virtio tag takes one mount at a time (rcS's at /mnt/<tag> too): its mounts go first, as does /bench/<tag>'s.
  set -f
  for m in $(awk -v t="$tag" -v f="$transport" -v d="$dir" '($1 == t && $3 == f) || $2 == d { print $2 }' /proc/mounts); do
    umount "$m" 2>"$scratch/agent.err" || { set +f; say "err $id cannot unmount $m: $(clean <"$scratch/agent.err")"; return; }
  done
  set +f
  case "$transport" in
    9p) mount -t 9p -o "trans=virtio\${opts:+,$opts}" "$tag" "$dir" ;;
    virtiofs) mount -t virtiofs \${opts:+-o "$opts"} "$tag" "$dir" ;;
    hostfs) mount -t hostfs -o "$tag\${opts:+,$opts}" none "$dir" ;;
  esac 2>"$scratch/agent.err" && say "ok $id" || say "err $id mount failed: $(clean <"$scratch/agent.err")"
}

# The one whole disk of exactly that size, never the root file system's.
do_device() {
  is_count "$1" 16 || { bad size; return; }
  sectors=$(($1 / 512)) root=$(awk '$5 == "/" { d = $3 } END { print d }' /proc/self/mountinfo) found=""
  for b in /sys/block/*; do
    case "\${b##*/}" in loop* | ram* | sr* | *[!a-z0-9]*) continue ;; esac
    [ $(($1 % 512)) -eq 0 ] && [ "$(cat "$b/size")" = "$sectors" ] && [ "$(cat "$b/dev")" != "$root" ] && found="$found /dev/\${b##*/}"
  done
  set -- $found
  case $# in
    0) say "err $id no block device of that size" ;;
    1) say "ok $id $1" ;;
    *) say "err $id several block devices of that size:$found" ;;
  esac
}

do_fio() {
  path="$1" rw="$2" bs="$3" size="$4" direct="$5" runtime="$6"
  case "$path" in
    /dev/*)
      case "\${path#/dev/}" in '' | *[!a-z0-9]*) bad path; return ;; esac
      [ -b "$path" ] || { say "err $id $path is no block device"; return; }
      ;;
    /bench/*/*)
      rest="\${path#/bench/}"
      is_tag "\${rest%%/*}" && is_file "\${rest#*/}" || { bad path; return; }
      is_mounted "/bench/\${rest%%/*}" || { say "err $id /bench/\${rest%%/*} is not mounted"; return; }
      if [ -L "$path" ]; then say "err $id $path is a symbolic link"; return; fi
      ;;
    *) bad path; return ;;
  esac
  case "$rw" in read | write | randread | randwrite) ;; *) bad rw; return ;; esac
  is_count "$bs" 9 || { bad "block size"; return; }
  is_count "$size" 7 || { bad size; return; }
  case "$direct" in 0 | 1) ;; *) bad direct; return ;; esac
  is_count "$runtime" 4 || { bad runtime; return; }
  # Without O_DIRECT (hostfs refuses it) writes would stop in the guest's page cache: fio flushes them
  # (fsync) before it stops its clock, so the figure counts them reaching the host.
  flush=""
  case "$direct $rw" in "0 write" | "0 randwrite") flush="--end_fsync=1" ;; esac
  rm -f "$scratch/fio.json"
  # fio lays the file out before it starts timing, for reads too.
  if fio --name=strata --filename="$path" --rw="$rw" --bs="$bs" --size="\${size}M" --direct="$direct" --ioengine=psync \\
    \${flush:+"$flush"} --runtime="$runtime" --output-format=json --output="$scratch/fio.json" >/dev/null 2>"$scratch/agent.err" &&
    [ -s "$scratch/fio.json" ]; then
    { printf 'ok %s ' "$id"; sed -n '/^{/,$p' "$scratch/fio.json" | tr -d '\\r\\n'; echo; } >&3
  else
    say "err $id fio failed: $(tail -n 3 "$scratch/agent.err" | clean)"
  fi
}

handle() {
  set -f
  set -- $1
  set +f
  id="$1"
  case "$id" in '' | *[!0-9]*) id=0; bad request; return ;; esac
  [ \${#id} -le 9 ] || { id=0; bad request; return; }
  case "$2 $#" in
    "ping 2") say "ok $id" ;;
    "dropcaches 2") sync && echo 3 >/proc/sys/vm/drop_caches && say "ok $id" || say "err $id could not drop the caches" ;;
    "mount 5") do_mount "$3" "$4" "$5" ;;
    "device 3") do_device "$3" ;;
    "fio 8") do_fio "$3" "$4" "$5" "$6" "$7" "$8" ;;
    *) bad request ;;
  esac
}

serve() {
  case "$dev" in /dev/ttyS*) stty raw -echo <&3 ;; esac
  say "hello strata-agent 1"
  while IFS= read -r line <&3; do handle "$line"; done
}
`;

/** Finds the channel, then serves it for good, opening it again whenever the other end went away. */
export const agentMain = `i=0
until dev=$(channel); do
  i=$((i + 1))
  [ $i -le 300 ] || { echo "strata-agent: no channel $where" && exit 1; }
  sleep 0.1
done
mkdir -p /bench
echo "strata-agent: listening on $dev"
# The other end may not be there yet (a virtio port reads end-of-file until the host connects): open again.
while :; do
  serve 3<>"$dev"
  sleep 1
done
`;

export const agentScript = `${agentFunctions}\n${agentMain}`;
