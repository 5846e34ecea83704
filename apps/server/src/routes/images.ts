import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { Image, commonErrors } from '@strata/contract';
import type { ImageService } from '@strata/core';

export const imageRoutes: FastifyPluginAsyncTypebox<{ images: ImageService }> = async (app, { images }) => {
  app.get('/images', { schema: { tags: ['images'], response: { 200: Type.Array(Image), ...commonErrors } } }, () => images.list());
};
