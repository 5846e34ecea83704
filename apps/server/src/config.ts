import { isAbsolute, resolve } from 'node:path';

export interface Config {
  host: string;
  port: number;
  dataDir: string;
  cacheDir: string;
  /** Images can be imported only from files under this directory. */
  importDir: string;
  /** Host directories can be shared only from under these. */
  shareRoots: string[];
  webDir: string | null;
  adminPassword: string | null;
  apiToken: string | null;
  /** Host names the server answers to besides loopback and its bind address (DNS-rebinding guard). */
  allowedHosts: string[];
  /**
   * Addresses (or CIDR ranges) of reverse proxies whose X-Forwarded-For/-Proto/-Host are believed;
   * null believes no one, so a client cannot pick its own address for the login limits.
   */
  trustProxy: string[] | null;
  kvmProbeTimeoutMs: number;
  logLevel: string;
  /** The unprivileged user (and group) UML kernels run as. */
  umlUid: number;
  metricsIntervalMs: number;
  metricsRetentionDays: number;
  /** Audit entries older than this many days are removed by the server (at start and daily). */
  auditRetentionDays: number;
  /** Share benchmark: seconds each cell may run at most (tests lengthen it); default in @strata/core. */
  benchRuntimeCapSec?: number;
  /** The largest image a browser may upload, in bytes (STRATA_UPLOAD_MAX_BYTES; 413 beyond it). */
  uploadMaxBytes: number;
}

function port(value: string | undefined): number {
  if (value === undefined || value === '') return 8080;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`STRATA_PORT must be a port number, not '${value}'`);
  return n;
}

function bounded(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name} must be an integer from ${min} to ${max}, not '${value}'`);
  return n;
}

function uid(value: string | undefined): number {
  if (value === undefined || value === '') return 60123;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1000 || n > 4294967294)
    throw new Error(`STRATA_UML_UID must be an unprivileged uid (1000 or more), not '${value}'`);
  return n;
}

const list = (value: string | undefined): string[] =>
  (value || '')
    .split(',')
    .map((h) => h.trim())
    .filter(Boolean);

const absolute = (p: string) => (isAbsolute(p) ? p : resolve(process.cwd(), p));

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const dataDir = absolute(env.STRATA_DATA_DIR || './data');
  return {
    host: env.STRATA_HOST || '127.0.0.1',
    port: port(env.STRATA_PORT),
    dataDir,
    cacheDir: absolute(env.STRATA_CACHE_DIR || './.cache'),
    importDir: env.STRATA_IMPORT_DIR ? absolute(env.STRATA_IMPORT_DIR) : `${dataDir}/import`,
    shareRoots: env.STRATA_SHARE_ROOTS ? env.STRATA_SHARE_ROOTS.split(':').filter(Boolean).map(absolute) : [`${dataDir}/shares`],
    webDir: env.STRATA_WEB_DIR === '' ? null : absolute(env.STRATA_WEB_DIR || './apps/web/dist'),
    adminPassword: env.STRATA_ADMIN_PASSWORD || null,
    apiToken: env.STRATA_API_TOKEN || null,
    allowedHosts: list(env.STRATA_ALLOWED_HOSTS),
    trustProxy: list(env.STRATA_TRUST_PROXY).length > 0 ? list(env.STRATA_TRUST_PROXY) : null,
    kvmProbeTimeoutMs: Number(env.STRATA_KVM_PROBE_TIMEOUT_MS || 20_000),
    logLevel: env.STRATA_LOG_LEVEL || 'info',
    umlUid: uid(env.STRATA_UML_UID),
    // 0 turns sampling off (the benchmark's "streaming off" side).
    metricsIntervalMs:
      env.STRATA_METRICS_INTERVAL_MS === '0' ? 0 : bounded('STRATA_METRICS_INTERVAL_MS', env.STRATA_METRICS_INTERVAL_MS, 1000, 100, 60_000),
    metricsRetentionDays: bounded('STRATA_METRICS_RETENTION_DAYS', env.STRATA_METRICS_RETENTION_DAYS, 30, 1, 3650),
    auditRetentionDays: bounded('STRATA_AUDIT_RETENTION_DAYS', env.STRATA_AUDIT_RETENTION_DAYS, 400, 1, 36500),
    uploadMaxBytes: bounded('STRATA_UPLOAD_MAX_BYTES', env.STRATA_UPLOAD_MAX_BYTES, 64 * 1024 ** 3, 1024 ** 2, 16 * 1024 ** 4),
  };
}
