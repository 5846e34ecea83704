import { queryOptions, useQuery } from '@tanstack/react-query';
import type { Session } from '@strata/contract';
import { api, setCsrfToken } from './client';
import { keys } from './keys';

async function getSession(): Promise<Session | null> {
  try {
    const session = await api<Session>('GET', '/auth/session');
    setCsrfToken(session.csrfToken);
    return session;
  } catch (err) {
    if ((err as { status?: number }).status === 401) return null;
    throw err;
  }
}

const sessionQuery = queryOptions({ queryKey: keys.session, queryFn: getSession, staleTime: Infinity });
export const useSession = () => useQuery(sessionQuery);
