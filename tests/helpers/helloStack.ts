import { apiClient } from './apiClient';
import type { Api } from './hello';
import { startSlipwayStack, type SlipwayStack, type StackOptions } from './slipwayStack';

export interface HelloStack {
  s: SlipwayStack;
  admin: Api;
  /** The tenant's client (tenant `acme` unless told otherwise). */
  tenant: Api;
}

export interface HelloStackSetup {
  /** The tenant the `tenant` client acts for. */
  tenantId?: string;
  /** beforeAll's timeout, for stacks that start a cluster. */
  timeoutMs?: number;
}

/**
 * One Slipway stack for the enclosing describe block (or file), with the app `hello` and the
 * given releases created (they may read the stack, e.g. its image), and an admin and a tenant
 * client. The fields are set in its beforeAll, so read them inside tests and hooks, not at
 * describe time.
 */
export function useHelloStack(
  releases: (s: SlipwayStack) => object[],
  opts: StackOptions = {},
  { tenantId = 'acme', timeoutMs }: HelloStackSetup = {},
): HelloStack {
  const h = {} as HelloStack;
  beforeAll(async () => {
    h.s = await startSlipwayStack(opts);
    h.admin = apiClient(h.s.apiUrl, h.s.adminToken);
    h.tenant = apiClient(h.s.apiUrl, await h.s.tenantToken(tenantId));
    expect((await h.admin('POST', '/api/apps', { slug: 'hello' })).status).toBe(201);
    for (const body of releases(h.s)) expect((await h.admin('POST', '/api/apps/hello/releases', body)).status).toBe(201);
  }, timeoutMs);
  afterAll(async () => {
    await h.s?.close();
  });
  return h;
}
