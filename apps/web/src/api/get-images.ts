import { queryOptions, useQuery } from '@tanstack/react-query';
import type { Image } from '@strata/contract';
import { api } from './client';
import { keys } from './keys';

const getImages = () => api<Image[]>('GET', '/images');
const imagesQuery = queryOptions({ queryKey: keys.images, queryFn: getImages });
export const useImages = () => useQuery(imagesQuery);

/**
 * The same list, asked again every `intervalMs` while a running guest may be writing: allocated
 * sizes are read when the list is served, and no event says a guest wrote to its disk.
 */
export const useImagesRefreshed = (intervalMs: number | false) =>
  useQuery({ ...imagesQuery, refetchInterval: intervalMs, refetchIntervalInBackground: false });
