import { chmodSync, mkdirSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import websocket from '@fastify/websocket';
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Health } from '@strata/contract';
import { createImageOps, createImageService, createJobService, createVmServices, type Logger } from '@strata/core';
import { protectShareRoots, readAffinity, removeTreeBeneath, scrubSetId, setAffinity, threadsOf } from '@strata/host';
import { PROBE_MARKER } from '@strata/guest';
import { createQemuDriver, vmPaths } from '@strata/qemu';
import { createUmlDriver } from '@strata/uml';
import type { Config } from './config.js';
import { openDatabase } from './db/database.js';
import { imageRepository, jobRepository, shareRepository, vmRepository } from './db/repositories.js';
import { ensureAdmin } from './auth/users.js';
import { pruneSessions } from './auth/sessions.js';
import { registerGuard } from './auth/guard.js';
import { registerAuditHook } from './audit/audit-hook.js';
import { recordAudit } from './audit/audit-log.js';
import { readBootIds, recordBootId } from './autostart.js';
import { userRoutes } from './routes/users.js';
import { auditRoutes } from './routes/audit.js';
import { LoginThrottle } from './auth/login-throttle.js';
import { HELMET_OPTIONS } from './security-headers.js';
import { jsonValidators } from './validation.js';
import { collectRoutes } from './route-table.js';
import { answerClientError, answerFrameworkError, registerErrorHandler } from './errors.js';
import { EventBus } from './events/event-bus.js';
import { createHostService } from './host/host-service.js';
import { installDefaultGuest } from './images/default-guest.js';
import { createImageFiles } from './images/image-files.js';
import { ConsoleHub } from './console/console-hub.js';
import { authRoutes } from './routes/auth.js';
import { vmRoutes } from './routes/vms.js';
import { vmOpsRoutes } from './routes/vm-ops.js';
import { imageRoutes } from './routes/images.js';
import { jobRoutes } from './routes/jobs.js';
import { shareRoutes } from './routes/shares.js';
import { umlRoutes } from './routes/uml.js';
import { hostRoutes } from './routes/host.js';
import { eventRoutes } from './routes/events.js';
import { consoleRoutes } from './routes/console.js';
import { vncRoutes } from './routes/vnc.js';
import { imageUploadRoutes } from './routes/image-upload.js';
import { registerWeb } from './web.js';
import { metricRoutes } from './routes/metrics.js';
import { shareMetricRoutes } from './routes/share-metrics.js';
import { MetricsHub } from './metrics/metrics-hub.js';
import { createHistory } from './metrics/history.js';
import { createSampler } from './metrics/sampler.js';
import { createHostSampler } from './metrics/host-sampler.js';
import { renderPrometheus } from './metrics/prometheus.js';
import { benchmarkRoutes } from './routes/benchmarks.js';
import { createBenchmarkService } from './benchmarks/bench-service.js';
import { benchmarkRepository } from './db/benchmark-repository.js';
import { loadReference } from './benchmarks/reference-file.js';

export const VERSION = '0.1.0';

export async function buildApp(config: Config, options: { logger?: boolean } = {}): Promise<FastifyInstance> {
  const log = (m: string) => console.log(`[strata] ${m}`);
  mkdirSync(config.dataDir, { recursive: true });
  // Disk layers, console logs and the password hash are root's alone: no local user walks in here.
  chmodSync(config.dataDir, 0o700);
  for (const d of ['images', 'vms', 'boot']) mkdirSync(join(config.dataDir, d), { recursive: true });
  mkdirSync(config.importDir, { recursive: true });
  for (const root of config.shareRoots) mkdirSync(root, { recursive: true });
  // Whatever a guest writes through a share (setuid files, device nodes) stays inert on the host.
  // The binds stay until the host reboots, even when the server stops: taking one back would put
  // what a guest wrote on a plain mount again.
  await protectShareRoots(config.shareRoots);
  const db = openDatabase(join(config.dataDir, 'strata.db'));
  pruneSessions(db);
  ensureAdmin(db, config.dataDir, config.adminPassword, log);

  // Made first, so that core and the drivers log through the server's own logger.
  const app = Fastify({
    logger: options.logger ? { level: config.logLevel } : false,
    bodyLimit: 1 << 20,
    trustProxy: config.trustProxy ?? false,
    frameworkErrors: answerFrameworkError,
    clientErrorHandler: answerClientError,
    forceCloseConnections: true,
    logController: new LogController({ disableRequestLogging: true }),
  }).withTypeProvider<TypeBoxTypeProvider>();

  const logger: Logger = app.log;

  const images = imageRepository(db);
  const vmsRepo = vmRepository(db);
  const guest = await installDefaultGuest({ cacheDir: config.cacheDir, dataDir: config.dataDir, images, log });
  const host = await createHostService({
    vms: vmsRepo,
    cacheDir: config.cacheDir,
    probeTimeoutMs: config.kvmProbeTimeoutMs,
    shareRoots: config.shareRoots,
    log,
    guest: { kernel: guest.kernel, initrd: guest.initrd, marker: PROBE_MARKER, guestHash: guest.hash },
  });
  const bus = new EventBus();
  const files = createImageFiles(join(config.dataDir, 'images'), config.importDir);
  const vmDir = (id: string) => join(config.dataDir, 'vms', id);
  const newId = () => randomBytes(6).toString('hex');
  const now = () => new Date().toISOString();
  const jobs = createJobService({ jobs: jobRepository(db), events: bus, newId, now });
  const vms = createVmServices({
    vms: vmsRepo,
    images,
    files,
    host,
    events: bus,
    vmDir,
    affinity: { set: setAffinity, get: readAffinity, threads: threadsOf },
    drivers: {
      qemu: createQemuDriver({ logger }),
      uml: createUmlDriver({ uid: config.umlUid, gid: config.umlUid, shareRoots: config.shareRoots, logger }),
    },
    jobs,
    logger,
    newId,
    now,
    defaultImage: 'strata-mini',
    scrubShare: (share) => scrubSetId(share.root, share.path),
    removeVmDir: (id) => removeTreeBeneath(join(config.dataDir, 'vms'), id),
    audit: (e) => recordAudit(db, { action: e.action, targetKind: e.targetKind, targetId: e.targetId, parameters: e.detail }),
    shares: shareRepository(db),
    shareRoots: config.shareRoots,
    pathFs: { realpath: (p) => realpathSync(p), isDirectory: (p) => statSync(p).isDirectory() },
  });
  const imageOps = createImageOps({ images, files, vms: vmsRepo, events: bus, jobs, newId, now });
  // Before jobs.recover(): a run a restart interrupted is ended there, and its throwaway VMs removed.
  const reference = loadReference();
  const benchmarks = createBenchmarkService({
    jobs,
    runs: benchmarkRepository(db),
    host,
    imagesDir: join(config.dataDir, 'images'),
    reference: () => reference,
    runtimeCapSec: config.benchRuntimeCapSec,
    lab: {
      vms,
      vmRecords: vmsRepo,
      images,
      files,
      shareRoot: config.shareRoots[0]!,
      vmDir,
      newId,
      now,
      logger,
      // A round in flight may have read the counters before the last cell ended: the second starts after it.
      settleMetrics: async () => {
        await sampler.tick();
        await sampler.tick();
      },
    },
  });
  // Reattach first: recovering a live merge asks the running QEMU how far it got.
  await vms.lifecycle.reattachAll();
  await jobs.recover();
  benchmarks.settleOrphans();
  // After a host boot the VMs marked autostart come up one after another, while the server already answers.
  const bootIds = readBootIds(db);
  recordBootId(db, bootIds.current);
  const autostarting = vms.autostart.afterHostBoot(bootIds);
  const imageService = createImageService({ images, vms: vmsRepo, files });
  // A base changed while Strata was down invalidates its layers; say so at once.
  for (const image of imageService.list().filter((i) => !i.valid)) log(`image ${image.name} is invalid: ${image.invalidReason}`);
  const hub = new ConsoleHub();
  const metricsHub = new MetricsHub();
  const history = createHistory(db, config.metricsRetentionDays * 86_400_000);
  const sampler = createSampler({
    live: () => vms.runtime.liveVms(),
    hub: metricsHub,
    history,
    intervalMs: config.metricsIntervalMs,
    hostSample: createHostSampler(config.dataDir),
    onError: (err) => app.log.error({ err: String(err) }, 'a metrics round failed'),
  });

  app.setValidatorCompiler(jsonValidators());
  collectRoutes(app);
  await app.register(helmet, HELMET_OPTIONS);
  await app.register(cookie);
  await app.register(websocket, { options: { maxPayload: 1 << 16 } });
  await app.register(swagger, {
    openapi: {
      info: { title: 'Strata API', version: VERSION },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
  });
  registerGuard(app, { db, apiToken: config.apiToken, allowedHostnames: [config.host, ...config.allowedHosts] });
  registerErrorHandler(app);
  registerAuditHook(app, db, { retentionDays: config.auditRetentionDays });

  await app.register(
    async (api) => {
      api.get('/health', { config: { access: 'public' }, schema: { tags: ['health'], response: { 200: Health } } }, async () => ({
        status: 'ok' as const,
        version: VERSION,
      }));
      api.get('/openapi.json', { config: { role: 'viewer' }, schema: { hide: true } }, async () => app.swagger());
      await api.register(authRoutes, { db, throttle: new LoginThrottle() });
      await api.register(userRoutes, { db });
      await api.register(auditRoutes, { db });
      await api.register(vmRoutes, { config: vms.config, lifecycle: vms.lifecycle });
      await api.register(vmOpsRoutes, { config: vms.config, lifecycle: vms.lifecycle, disks: vms.disks, clones: vms.clones });
      await api.register(imageRoutes, { images: imageService, disks: vms.disks, merges: vms.merges, ops: imageOps });
      await api.register(imageUploadRoutes, { ops: imageOps, imagesDir: join(config.dataDir, 'images'), maxBytes: config.uploadMaxBytes });
      await api.register(jobRoutes, { jobs });
      await api.register(shareRoutes, { shares: vms.shares, events: bus });
      await api.register(umlRoutes, { uml: vms.uml });
      await api.register(metricRoutes, { hub: metricsHub, history, vms: vms.config });
      await api.register(benchmarkRoutes, { benchmarks });
      await api.register(shareMetricRoutes, { history, shares: vms.shares });
      await api.register(hostRoutes, { host, bus });
      await api.register(eventRoutes, { bus });
      await api.register(consoleRoutes, {
        vms: vms.config,
        runtime: vms.runtime,
        hub,
        logPathOf: (id: string) => vmPaths(vmDir(id)).consoleLog,
      });
      await api.register(vncRoutes, {
        vms: vms.config,
        runtime: vms.runtime,
        vncPathOf: (id: string) => vmPaths(vmDir(id)).vncSocket,
        log,
      });
    },
    { prefix: '/api/v1' },
  );
  // Prometheus scrapes /metrics with the bearer token (the guard covers this path too).
  app.get(
    '/metrics',
    { config: { role: 'viewer' }, schema: { tags: ['metrics'], description: 'Prometheus text format' } },
    async (_req, reply) => {
      const names = new Map(vmsRepo.list().map((v) => [v.id, v.name]));
      return reply.type('text/plain; version=0.0.4').send(renderPrometheus(sampler.latest(), sampler.latestHost(), names));
    },
  );
  app.decorate('sampler', sampler);
  await registerWeb(app, config.webDir);

  app.addHook('onClose', async () => {
    benchmarks.detach(); // a run in flight is ended by the next start's recovery
    await autostarting;
    await sampler.stop();
    vms.lifecycle.detachAll(); // VMs outlive the server: let go of them, never stop them
    db.close();
  });
  return app;
}
