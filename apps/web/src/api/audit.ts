import { useInfiniteQuery } from '@tanstack/react-query';
import type { AuditPage } from '@strata/contract';
import { auditSearch, type AuditFilter } from '../shared/audit-filter';
import { api } from './client';

export const AUDIT_PAGE = 50;

/** Newest first, a page at a time: "Load more" asks for the entries before the last one shown. */
export const useAudit = (filter: AuditFilter) =>
  useInfiniteQuery({
    queryKey: ['audit', filter] as const,
    queryFn: ({ pageParam }) => api<AuditPage>('GET', `/audit?${auditSearch(filter, { limit: AUDIT_PAGE, before: pageParam })}`),
    initialPageParam: undefined as number | undefined,
    getNextPageParam: (last) => last.nextBefore ?? undefined,
    staleTime: 0,
  });

/** The export is a download the browser makes itself (same origin, the session cookie goes along). */
export const auditExportUrl = (filter: AuditFilter) => `/api/v1/audit/export?${auditSearch(filter, {})}`;
