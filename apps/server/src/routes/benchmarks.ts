import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import {
  BenchmarkCreate,
  BenchmarkExportQuery,
  BenchmarkRun,
  BenchmarkStarted,
  BenchmarkSummary,
  BenchReference,
  IdParams,
  Job,
  commonErrors,
} from '@strata/contract';
import type { BenchmarkService } from '../benchmarks/bench-service.js';

/** Share throughput benchmarks: thin routes over the benchmark service. */
export const benchmarkRoutes: FastifyPluginAsyncTypebox<{ benchmarks: BenchmarkService }> = async (app, { benchmarks }) => {
  const tags = ['benchmarks'];
  app.get(
    '/benchmarks',
    { config: { role: 'viewer' }, schema: { tags, response: { 200: Type.Array(BenchmarkSummary), ...commonErrors } } },
    () => benchmarks.list(),
  );
  app.get(
    '/benchmarks/reference',
    {
      config: { role: 'viewer' },
      schema: { tags, description: "the VirtFS article's published table and ratios", response: { 200: BenchReference, ...commonErrors } },
    },
    () => benchmarks.reference(),
  );
  app.post(
    '/benchmarks',
    {
      config: { role: 'operator' },
      schema: {
        tags,
        description: 'starts a run in throwaway VMs; progress arrives as job.changed events',
        body: BenchmarkCreate,
        response: { 202: BenchmarkStarted, ...commonErrors },
      },
    },
    async (req, reply) => reply.code(202).send(await benchmarks.start(req.body ?? {})),
  );
  app.get(
    '/benchmarks/:id',
    { config: { role: 'viewer' }, schema: { tags, params: IdParams, response: { 200: BenchmarkRun, ...commonErrors } } },
    (req) => benchmarks.get(req.params.id),
  );
  app.post(
    '/benchmarks/:id/cancel',
    { config: { role: 'operator' }, schema: { tags, params: IdParams, response: { 200: Job, ...commonErrors } } },
    (req) => benchmarks.cancel(req.params.id),
  );
  app.get(
    '/benchmarks/:id/export',
    {
      config: { role: 'viewer' },
      schema: {
        tags,
        params: IdParams,
        querystring: BenchmarkExportQuery,
        description: 'the run as a file to download (CSV by default, or the run as JSON)',
        response: { 200: Type.Unknown({ description: 'text/csv or application/json, as an attachment' }), ...commonErrors },
      },
    },
    async (req, reply) => {
      const file = benchmarks.exportRun(req.params.id, req.query.format ?? 'csv');
      return reply.type(file.type).header('content-disposition', `attachment; filename="${file.filename}"`).send(file.body);
    },
  );
};
