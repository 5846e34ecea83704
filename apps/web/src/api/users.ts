import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ApiToken, CreatedToken, CreateUserBody, UpdateUserBody, User } from '@strata/contract';
import { api } from './client';
import { keys } from './keys';

export const userKeys = {
  all: ['users'] as const,
  tokens: (userId: string) => ['users', userId, 'tokens'] as const,
};

const usersQuery = queryOptions({ queryKey: userKeys.all, queryFn: () => api<User[]>('GET', '/users') });
export const useUsers = (enabled = true) => useQuery({ ...usersQuery, enabled });

const tokensQuery = (userId: string) =>
  queryOptions({ queryKey: userKeys.tokens(userId), queryFn: () => api<ApiToken[]>('GET', `/users/${encodeURIComponent(userId)}/tokens`) });
export const useTokens = (userId: string) => useQuery(tokensQuery(userId));

export function useUserMutations() {
  const qc = useQueryClient();
  const refresh = () => void qc.invalidateQueries({ queryKey: userKeys.all });
  const user = (id: string) => `/users/${encodeURIComponent(id)}`;
  return {
    create: useMutation({ mutationFn: (body: CreateUserBody) => api<User>('POST', '/users', body), onSuccess: refresh }),
    update: useMutation({
      mutationFn: ({ id, patch }: { id: string; patch: UpdateUserBody }) => api<User>('PATCH', user(id), patch),
      onSuccess: () => {
        refresh();
        // An admin who changed their own role sees the app as that role from now on.
        void qc.invalidateQueries({ queryKey: keys.session });
      },
    }),
    remove: useMutation({ mutationFn: (id: string) => api<void>('DELETE', user(id)), onSuccess: refresh }),
    createToken: useMutation({
      mutationFn: ({ userId, name }: { userId: string; name: string }) => api<CreatedToken>('POST', `${user(userId)}/tokens`, { name }),
      // The list holds no secret: it is fetched again rather than patched with the reply.
      onSuccess: () => void qc.invalidateQueries({ queryKey: userKeys.all }),
    }),
    revokeToken: useMutation({
      mutationFn: ({ userId, tokenId }: { userId: string; tokenId: string }) =>
        api<void>('DELETE', `${user(userId)}/tokens/${encodeURIComponent(tokenId)}`),
      onSuccess: () => void qc.invalidateQueries({ queryKey: userKeys.all }),
    }),
  };
}
