import { closeSync } from 'node:fs';
import type { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { ImageImport, Job, commonErrors } from '@strata/contract';
import type { ImageOps } from '@strata/core';
import { reauthorize } from '../auth/guard.js';
import { receiveUpload, sweepAbandonedUploads, tooLarge, uploadSource } from '../images/image-upload.js';

const UploadQuery = Type.Object(
  {
    name: ImageImport.properties.name,
    format: Type.Union([Type.Literal('qcow2'), Type.Literal('raw')], { description: 'the format the file has; its own bytes must agree' }),
  },
  { additionalProperties: false },
);

/** An upload can take hours: a caller revoked, signed out, disabled or demoted meanwhile registers nothing. */
function mayStillUpload(req: FastifyRequest, drop: () => void): void {
  try {
    reauthorize(req);
  } catch (err) {
    drop();
    throw err;
  }
}

/**
 * An image uploaded from the browser as the raw request body (application/octet-stream), streamed
 * to disk under a size limit, judged like an import, then registered by an import job.
 */
export const imageUploadRoutes: FastifyPluginAsyncTypebox<{
  ops: Pick<ImageOps, 'importHeldFile'>;
  imagesDir: string;
  maxBytes: number;
}> = async (app, { ops, imagesDir, maxBytes }) => {
  const abandoned = sweepAbandonedUploads(imagesDir);
  if (abandoned > 0) app.log.warn(`removed ${abandoned} upload file(s) an earlier run left unfinished`);
  // The body is left unread here: the handler streams it to a file, counting bytes as they come.
  app.addContentTypeParser('application/octet-stream', (_req, payload, done) => done(null, payload));
  app.post(
    '/images/upload',
    {
      config: { role: 'operator' },
      schema: {
        tags: ['images'],
        description: `the request body is the image file (application/octet-stream); at most STRATA_UPLOAD_MAX_BYTES; 202 with the import job`,
        querystring: UploadQuery,
        response: { 202: Job, 413: commonErrors[400], ...commonErrors },
      },
    },
    async (req, reply) => {
      const declared = Number(req.headers['content-length'] ?? NaN);
      if (declared > maxBytes) throw tooLarge(maxBytes);
      if (!req.body || typeof (req.body as Readable).pipe !== 'function')
        throw Object.assign(new Error('send the image as the body, with content-type application/octet-stream'), {
          statusCode: 415,
          code: 'UNSUPPORTED_MEDIA_TYPE',
        });
      // The body is the upload's stream: the audit records what was asked for, never the request itself.
      const recorded = { name: req.query.name, format: req.query.format, size: Number.isFinite(declared) ? declared : null };
      req.auditParameters = recorded;
      const held = await receiveUpload(req.body as Readable, imagesDir, maxBytes);
      recorded.size = held.size;
      mayStillUpload(req, () => closeSync(held.fd));
      const source = await uploadSource(held, req.query.format);
      // Asked again after qemu-img has judged the file, which a crafted file can make take seconds.
      mayStillUpload(req, () => source.close());
      return reply.code(202).send(ops.importHeldFile(req.query.name, `upload of ${req.query.name}`, source));
    },
  );
};
