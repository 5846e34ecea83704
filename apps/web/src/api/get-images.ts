import { queryOptions, useQuery } from '@tanstack/react-query';
import type { Image } from '@strata/contract';
import { api } from './client';
import { keys } from './keys';

const getImages = () => api<Image[]>('GET', '/images');
const imagesQuery = queryOptions({ queryKey: keys.images, queryFn: getImages });
export const useImages = () => useQuery(imagesQuery);
