const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** Binary units, as qemu-img and du -h count: 1 KiB = 1024 B. "1.5 GiB", "512 MiB", "1 TiB". */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return '—';
  if (bytes < 0) return `-${formatBytes(-bytes)}`;
  let value = bytes;
  let unit = 0;
  // 1023.7 KiB would read "1024 KiB": such a value is shown in the next unit.
  while (Math.round(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const shown = value >= 100 || unit === 0 ? String(Math.round(value)) : value.toFixed(1).replace(/\.0$/, '');
  return `${shown} ${units[unit]}`;
}

/** A size the API gives in MiB (memory, balloon, scratch disks), in the unit that reads best. */
export const formatMiB = (mib: number): string => formatBytes(mib * 1024 ** 2);

/** "1 VM", "4 VMs", "64 cores"; `many` for words whose plural is not word + s. */
export const plural = (count: number, one: string, many = `${one}s`): string => `${count} ${count === 1 ? one : many}`;

/** Seconds as people say them: "45 seconds", "5 minutes", "1 hour", "90 seconds". */
export function formatSeconds(seconds: number): string {
  if (seconds >= 3600 && seconds % 3600 === 0) return plural(seconds / 3600, 'hour');
  if (seconds >= 60 && seconds % 60 === 0) return plural(seconds / 60, 'minute');
  return plural(seconds, 'second');
}

export const formatTime = (iso: string | null): string => (iso ? new Date(iso).toLocaleString() : '—');
