import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { IdParams, Job, commonErrors } from '@strata/contract';
import type { JobService } from '@strata/core';

export const jobRoutes: FastifyPluginAsyncTypebox<{ jobs: JobService }> = async (app, { jobs }) => {
  const tags = ['jobs'];
  app.get('/jobs', { config: { role: 'viewer' }, schema: { tags, response: { 200: Type.Array(Job), ...commonErrors } } }, () =>
    jobs.list(),
  );
  app.get('/jobs/:id', { config: { role: 'viewer' }, schema: { tags, params: IdParams, response: { 200: Job, ...commonErrors } } }, (req) =>
    jobs.get(req.params.id),
  );
  app.post(
    '/jobs/:id/cancel',
    { config: { role: 'operator' }, schema: { tags, params: IdParams, response: { 200: Job, ...commonErrors } } },
    (req) => jobs.cancel(req.params.id),
  );
};
