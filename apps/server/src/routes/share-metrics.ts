import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { HISTORY_RANGE_MS, IdParams, ShareMetrics, ShareMetricsQuery, commonErrors, shareHistoryKey, shareSeries } from '@strata/contract';
import { notFound, type VmShares } from '@strata/core';
import type { History } from '../metrics/history.js';

/** A share's recorded throughput: what every VM that used it read and wrote, attached now or not. */
export const shareMetricRoutes: FastifyPluginAsyncTypebox<{ history: History; shares: Pick<VmShares, 'listShares'> }> = async (
  app,
  { history, shares },
) => {
  app.get(
    '/shares/:id/metrics',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['shares', 'metrics'],
        description: 'Read and write bytes per second of one share over a range, summed over the VMs that used it',
        params: IdParams,
        querystring: ShareMetricsQuery,
        response: { 200: ShareMetrics, ...commonErrors },
      },
    },
    async (req) => {
      const { id } = req.params;
      if (!shares.listShares().some((s) => s.id === id)) throw notFound('share', id);
      const to = Date.now();
      const from = to - HISTORY_RANGE_MS[req.query.range];
      const key = shareHistoryKey(id);
      const read = history.query(key, shareSeries.read, from, to, to);
      const write = history.query(key, shareSeries.write, from, to, to);
      const inexact = history.query(key, shareSeries.inexact, from, to, to).points.some(([, v]) => v > 0);
      return {
        shareId: id,
        range: req.query.range,
        from,
        to,
        resolutionMs: read.resolutionMs,
        read: read.points,
        write: write.points,
        inexact,
      };
    },
  );
};
