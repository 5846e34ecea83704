/**
 * Other spellings of one path, as an attacker would try them against a guard that reads the URL
 * text: percent-encoded letters and slashes, mixed case, doubled and trailing slashes, dot
 * segments, ';' parameters, a trailing dot, overlong UTF-8.
 */
export function spellingsOf(path: string): string[] {
  const segments = path.split('/').slice(1);
  const join = (parts: string[]) => `/${parts.join('/')}`;
  const hex = (c: string) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`;
  const encodeFirstLetter = (s: string, lower = false) => {
    const i = s.search(/[A-Za-z]/);
    if (i < 0) return s;
    const h = hex(s[i]!);
    return s.slice(0, i) + (lower ? h.toLowerCase() : h) + s.slice(i + 1);
  };
  const out = new Set<string>();
  segments.forEach((seg, i) => {
    const with_ = (value: string) => join(segments.map((s, j) => (j === i ? value : s)));
    out.add(with_(encodeFirstLetter(seg)));
    out.add(with_(encodeFirstLetter(seg, true)));
    out.add(with_(seg.toUpperCase()));
    out.add(with_(seg.charAt(0).toUpperCase() + seg.slice(1)));
    out.add(with_(`${seg};x=1`));
    out.add(with_(`${seg}/.`));
    out.add(with_(`${seg}/x/..`));
    out.add(with_(`${seg}/x/%2e%2e`));
    out.add(with_(`${seg}/`));
    out.add(with_(`.${'/'}${seg}`));
    if (/^[a-z]/.test(seg)) out.add(with_(`%C1%${(0x80 + seg.charCodeAt(0) - 0x40).toString(16).toUpperCase()}${seg.slice(1)}`));
  });
  out.add(join(segments.map((s) => [...s].map((c) => (/[A-Za-z]/.test(c) ? hex(c) : c)).join(''))));
  for (let i = 1; i < segments.length; i++) {
    out.add(`${join(segments.slice(0, i))}%2F${segments.slice(i).join('/')}`);
    out.add(`${join(segments.slice(0, i))}%2f${segments.slice(i).join('/')}`);
    out.add(`${join(segments.slice(0, i))}%C0%AF${segments.slice(i).join('/')}`);
    out.add(`${join(segments.slice(0, i))}//${segments.slice(i).join('/')}`);
  }
  out.add(`/${path}`);
  out.add(`${path}/`);
  out.add(`${path}.`);
  out.add(`${path}%2e`);
  out.add(`${path}%00`);
  out.add(`${path}?x=/api/v1/health`);
  out.add(`${path}#x`);
  out.delete(path);
  return [...out];
}
