import type { FastifyRequest } from 'fastify';
import type { Db } from '../db/database';
import { findActiveToken, hashToken } from '../db/queries/tokens';
import type { AuthFailureLimiter } from './authFailureLimiter';
import { forbidden, tooManyRequests, unauthorized } from './errors';

export interface Principal {
  role: 'admin' | 'tenant';
  /** null for admins: they act across tenants. */
  tenantId: string | null;
  actor: string;
  /** The api_tokens row id: Idempotency-Keys are scoped per token. */
  tokenId: string;
  /**
   * The token's stored sha256, never shown: ids derived from an Idempotency-Key are seeded
   * with it, because token ids repeat across installations sharing one Temporal namespace.
   */
  tokenHash: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

/**
 * Bearer token → principal. An address over its limit of failed checks gets 429 before the
 * database is asked (see AuthFailureLimiter), so guessing tokens costs us no queries.
 */
export async function authenticate(db: Db, req: FastifyRequest, limiter: AuthFailureLimiter): Promise<Principal> {
  const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  const presented = m?.[1] ?? '';
  const retryAfter = limiter.retryAfterSeconds(req.ip, hashToken(presented));
  if (retryAfter > 0) {
    throw tooManyRequests('too_many_failed_tokens', `too many failed token checks from this address; retry in ${retryAfter} s`, retryAfter);
  }
  const token = m ? await findActiveToken(db, presented) : null;
  if (!token) {
    limiter.recordFailure(req.ip);
    throw unauthorized();
  }
  limiter.recordSuccess(req.ip, token.token_hash);
  return {
    role: token.role,
    tenantId: token.tenant_id,
    actor: `${token.role}:${token.name}`,
    tokenId: String(token.id),
    tokenHash: token.token_hash,
  };
}

export function principalOf(req: FastifyRequest): Principal {
  if (!req.principal) throw unauthorized();
  return req.principal;
}

export function requireAdmin(req: FastifyRequest): Principal {
  const p = principalOf(req);
  if (p.role !== 'admin') throw forbidden('this needs an admin token');
  return p;
}
