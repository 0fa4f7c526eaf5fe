import type { FastifyInstance } from 'fastify';
import { countAdminTokens, createToken, findToken, listTokens, revokeToken } from '../../db/queries/tokens';
import type { ApiToken } from '../../db/schema';
import { requireAdmin } from '../auth';
import type { ApiContext } from '../context';
import { conflict, notFound } from '../errors';
import { CreateTokenBody, TokenParams } from '../schemas';
import { parseInput } from '../validation';

/** Never the hash, never the token: only what an operator needs to tell tokens apart. */
export function presentToken(t: ApiToken) {
  return { id: String(t.id), name: t.name, role: t.role, tenantId: t.tenant_id, createdAt: t.created_at, revokedAt: t.revoked_at };
}

/** Admins hand out and revoke tokens; the plain token is shown once, in the 201. */
export function adminTokenRoutes(app: FastifyInstance, ctx: ApiContext): void {
  // A replayed create must not hand the token out again, nor keep it in the idempotency store.
  app.post('/api/admin/tokens', { config: { idempotencyRedact: ['token'] } }, async (req, reply) => {
    requireAdmin(req);
    const body = parseInput(CreateTokenBody, req.body, 'body');
    const { token, row } = await createToken(ctx.db, { name: body.name, role: body.role, tenantId: body.tenantId ?? null });
    return reply.status(201).send({ token, ...presentToken(row) });
  });

  app.get('/api/admin/tokens', async (req) => {
    requireAdmin(req);
    const rows = await listTokens(ctx.db);
    return { tokens: rows.map(presentToken) };
  });

  app.delete('/api/admin/tokens/:id', async (req) => {
    requireAdmin(req);
    const { id } = parseInput(TokenParams, req.params, 'params');
    const row = await findToken(ctx.db, id);
    if (!row) throw notFound(`token ${id}`);
    if (row.revoked_at) return presentToken(row);
    // Revoking the last admin token would lock every operator out of the API.
    if (row.role === 'admin' && (await countAdminTokens(ctx.db)) <= 1) {
      throw conflict('last_admin_token', 'this is the last active admin token; create another admin token first');
    }
    const revoked = await revokeToken(ctx.db, id);
    return presentToken(revoked ?? row);
  });
}
