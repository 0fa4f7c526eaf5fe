import { z } from 'zod';
import type { ApiApp } from '../app';
import { sql } from 'kysely';
import { countAdminTokens, createToken } from '../../db/queries/tokens';
import type { ApiToken } from '../../db/schema';
import { requireAdmin } from '../auth';
import type { ApiContext } from '../context';
import { conflict, notFound } from '../errors';
import { CreateTokenBody, TokenParams } from '../schemas';
import { TokenCreated, TokenView } from '../responseSchemas';
import { routeSchema } from '../routeSchema';

/** Never the hash, never the token: only what an operator needs to tell tokens apart. */
export function presentToken(t: ApiToken) {
  return { id: String(t.id), name: t.name, role: t.role, tenantId: t.tenant_id, createdAt: t.created_at, revokedAt: t.revoked_at };
}

/** Admins hand out and revoke tokens; the plain token is shown once, in the 201. */
export function adminTokenRoutes(app: ApiApp, ctx: ApiContext): void {
  // A replayed create must not hand the token out again, nor keep it in the idempotency store.
  const create = routeSchema({
    summary: 'Create an API token (the plain token is shown once)',
    access: 'admin',
    body: CreateTokenBody,
    responses: { 201: { description: 'created', schema: TokenCreated } },
  });
  const list = routeSchema({
    summary: 'List tokens (no hashes, no tokens)',
    access: 'admin',
    responses: { 200: { description: 'tokens', schema: z.object({ tokens: z.array(TokenView) }) } },
  });
  const revoke = routeSchema({
    summary: 'Revoke a token (idempotent)',
    access: 'admin',
    params: TokenParams,
    responses: { 200: { description: 'the revoked token', schema: TokenView }, 409: { description: 'last_admin_token' } },
  });
  app.post('/api/admin/tokens', { schema: create, config: { idempotencyRedact: ['token'] } }, async (req, reply) => {
    requireAdmin(req);
    const body = req.body;
    const { token, row } = await createToken(ctx.db, { name: body.name, role: body.role, tenantId: body.tenantId ?? null });
    return reply.status(201).send({ token, ...presentToken(row) });
  });

  app.get('/api/admin/tokens', { schema: list }, async (req) => {
    requireAdmin(req);
    const rows = await ctx.db.selectFrom('api_tokens').selectAll().orderBy('id').execute();
    return { tokens: rows.map(presentToken) };
  });

  app.delete('/api/admin/tokens/:id', { schema: revoke }, async (req) => {
    requireAdmin(req);
    const { id } = req.params;
    const row = await ctx.db.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw notFound(`token ${id}`);
    if (row.revoked_at) return presentToken(row);
    // Revoking the last admin token would lock every operator out of the API.
    if (row.role === 'admin' && (await countAdminTokens(ctx.db)) <= 1) {
      throw conflict('last_admin_token', 'this is the last active admin token; create another admin token first');
    }
    const revoked = await ctx.db
      .updateTable('api_tokens')
      .set({ revoked_at: sql<Date>`now()` as unknown as Date })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
    return presentToken(revoked ?? row);
  });
}
