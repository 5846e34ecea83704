import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { MetricsHistory, MetricsHistoryQuery, MetricsStreamQuery, MetricsTrends, MetricsTrendsQuery, commonErrors } from '@strata/contract';
import type { VmConfig } from '@strata/core';
import { openSse } from '../events/sse.js';
import type { History } from '../metrics/history.js';
import type { MetricsHub } from '../metrics/metrics-hub.js';

export const metricRoutes: FastifyPluginAsyncTypebox<{ hub: MetricsHub; history: History; vms: Pick<VmConfig, 'get' | 'list'> }> = async (
  app,
  { hub, history, vms },
) => {
  const open = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const end of open) end();
  });

  app.get(
    '/metrics/stream',
    {
      config: { role: 'viewer' },
      exposeHeadRoute: false, // a HEAD twin would hold a stream's place and never answer
      schema: {
        tags: ['metrics'],
        description: 'Server-sent events, one per sample per VM (event: vm) and per host sample (event: host); Last-Event-ID resumes',
        querystring: MetricsStreamQuery,
      },
    },
    (req, reply) => {
      const last = Number(req.headers['last-event-id']);
      let unsubscribe = () => undefined as unknown;
      const send = openSse(req, reply, open, () => unsubscribe());
      unsubscribe = hub.subscribe(
        {
          vms: req.query.vm && req.query.vm.length > 0 ? new Set(req.query.vm) : null,
          host: req.query.host ?? true,
          send: (id, event) => send(`id: ${id}\nevent: ${event.type}\ndata: ${JSON.stringify(event.sample)}\n\n`),
        },
        Number.isInteger(last) && last > 0 ? last : null,
      );
    },
  );

  app.get(
    '/metrics/history',
    {
      config: { role: 'viewer' },
      schema: { tags: ['metrics'], querystring: MetricsHistoryQuery, response: { 200: MetricsHistory, ...commonErrors } },
    },
    async (req) => {
      if (req.query.vm !== 'host') await vms.get(req.query.vm);
      const to = req.query.to ?? Date.now();
      return { series: req.query.series, ...history.query(req.query.vm, req.query.series, req.query.from, to) };
    },
  );

  app.get(
    '/metrics/trends',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['metrics'],
        description: "Every VM's disk and share bytes per second (read + write) over the last minutes, from history",
        querystring: MetricsTrendsQuery,
        response: { 200: MetricsTrends, ...commonErrors },
      },
    },
    async (req) => {
      const to = Date.now();
      const from = to - (req.query.minutes ?? 5) * 60_000;
      const list = await vms.list();
      return {
        from,
        to,
        vms: list.map((vm) => ({
          vmId: vm.id,
          disk: history.sumRates(vm.id, 'disk', from, to),
          shares: history.sumRates(vm.id, 'share', from, to),
        })),
      };
    },
  );
};
