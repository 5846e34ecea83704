import { readFileSync } from 'node:fs';

export interface MountEntry {
  id: number;
  parent: number;
  /** The directory it is mounted on, as this process sees it. */
  mountPoint: string;
  /** Per-mount options (ro, nosuid, nodev, ...), not the file system's. */
  options: string[];
}

/** mountinfo escapes space, tab, newline and backslash as octal. */
const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));

function parseMountinfo(text: string): MountEntry[] {
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const f = line.split(' ');
      return { id: Number(f[0]), parent: Number(f[1]), mountPoint: unescape(f[4] ?? ''), options: (f[5] ?? '').split(',') };
    });
}

export const readMountinfo = (): MountEntry[] => parseMountinfo(readFileSync('/proc/self/mountinfo', 'utf8'));

export const mountById = (mounts: MountEntry[], id: number): MountEntry | undefined => mounts.find((m) => m.id === id);

/** The mount a lookup of `path` lands on: of those stacked on that directory, the one nothing is mounted over. */
export function topMountAt(mounts: MountEntry[], path: string): MountEntry | undefined {
  const here = mounts.filter((m) => m.mountPoint === path);
  return here.find((m) => !here.some((o) => o.parent === m.id));
}
