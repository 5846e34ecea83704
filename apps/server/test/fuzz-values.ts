/** A JSON Schema as the OpenAPI document spells it (only what the generator reads). */
export interface Schema {
  type?: string;
  enum?: unknown[];
  const?: unknown;
  anyOf?: Schema[];
  oneOf?: Schema[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  minItems?: number;
  minLength?: number;
  minimum?: number;
  maximum?: number;
  nullable?: boolean;
}

/** mulberry32: a fixed seed gives the same run every time, so a failure can be replayed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The smallest value the schema accepts (every pattern in the contract accepts 'a'). */
export function minimal(schema: Schema): unknown {
  if (schema.const !== undefined) return schema.const;
  if (schema.enum) return schema.enum[0];
  const first = schema.anyOf?.[0] ?? schema.oneOf?.[0];
  if (first) return minimal(first);
  switch (schema.type) {
    case 'object':
      return Object.fromEntries((schema.required ?? []).map((k) => [k, minimal(schema.properties?.[k] ?? {})]));
    case 'array':
      return Array.from({ length: schema.minItems ?? 0 }, () => minimal(schema.items ?? {}));
    case 'string':
      return 'a'.repeat(Math.max(1, schema.minLength ?? 1));
    case 'integer':
    case 'number':
      return schema.minimum ?? 0;
    case 'boolean':
      return false;
    default:
      return null;
  }
}

const deep = (depth: number): unknown => {
  let v: unknown = 'bottom';
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
};

/** Values that break naive handlers: wrong types, edges of ranges, NULs, sizes, prototypes. */
export function hostileValues(schema: Schema): unknown[] {
  const edges = [schema.minimum, schema.maximum].filter((n): n is number => typeof n === 'number').flatMap((n) => [n - 1, n + 1, n + 0.5]);
  return [
    true,
    false,
    0,
    -1,
    1.5,
    2 ** 53 + 1,
    -(2 ** 63),
    1e308,
    -1e308,
    ...edges,
    '',
    '1',
    'true',
    'null',
    'a\u0000b',
    '\u0000',
    '../../../../etc/shadow',
    '/etc/shadow',
    '%2e%2e%2f',
    'x'.repeat(70_000),
    '\ud800',
    '😀'.repeat(100),
    null,
    [],
    [null],
    {},
    JSON.parse('{"__proto__":{"polluted":true}}'),
    deep(200),
    Array.from({ length: 1000 }, (_, i) => i),
  ];
}

/**
 * Whole bodies of the wrong shape, and raw texts that are not (good) JSON. `parses`: the server
 * hands it to the route (a route without a body schema would then run its handler with it).
 */
export const hostileBodies: { text: string; contentType: string; parses: boolean }[] = [
  ...[null, [], 'text', 0, true].map((v) => ({ text: JSON.stringify(v), contentType: 'application/json', parses: true })),
  { text: `${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}`, contentType: 'application/json', parses: true },
  { text: `${'['.repeat(20_000)}${']'.repeat(20_000)}`, contentType: 'application/json', parses: true },
  { text: '{"__proto__":{"polluted":true}}', contentType: 'application/json', parses: false },
  { text: '{"constructor":{"prototype":{"polluted":true}}}', contentType: 'application/json', parses: false },
  { text: '{"name":', contentType: 'application/json', parses: false },
  { text: '\u0000', contentType: 'application/json', parses: false },
  { text: '[[[[[[[[[[[[[[[[[[[[', contentType: 'application/json', parses: false },
  { text: `{"a":"${'x'.repeat(1_100_000)}"}`, contentType: 'application/json', parses: false },
  { text: 'name=a', contentType: 'application/x-www-form-urlencoded', parses: false },
  { text: 'name=a', contentType: 'text/plain', parses: true },
  { text: '{}', contentType: 'application/json; charset=utf-16', parses: false },
];

export const hostileTexts = [
  '',
  'x'.repeat(300),
  '..%2f..%2fetc',
  '%00',
  '-1',
  '1e309',
  'NaN',
  '%E0%A4%A',
  'a b',
  '${jndi}',
  '__proto__',
  'constructor',
];
