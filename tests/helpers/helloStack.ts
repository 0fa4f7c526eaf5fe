import { apiClient } from './apiClient';
import type { Api } from './hello';
import { startSlipwayStack, type SlipwayStack, type StackOptions } from './slipwayStack';

export interface HelloStack {
  s: SlipwayStack;
  admin: Api;
  /** The tenant's client (tenant `acme` unless told otherwise). */
  tenant: Api;
}

/**
 * One Slipway stack for the enclosing describe block, with the app `hello` and the given
 * releases created, and an admin and a tenant client. The fields are set in its beforeAll,
 * so read them inside tests and hooks, not at describe time.
 */
export function useHelloStack(releases: () => object[], opts: StackOptions = {}, tenantId = 'acme'): HelloStack {
  const h = {} as HelloStack;
  beforeAll(async () => {
    h.s = await startSlipwayStack(opts);
    h.admin = apiClient(h.s.apiUrl, h.s.adminToken);
    h.tenant = apiClient(h.s.apiUrl, await h.s.tenantToken(tenantId));
    expect((await h.admin('POST', '/api/apps', { slug: 'hello' })).status).toBe(201);
    for (const body of releases()) expect((await h.admin('POST', '/api/apps/hello/releases', body)).status).toBe(201);
  });
  afterAll(async () => {
    await h.s?.close();
  });
  return h;
}
