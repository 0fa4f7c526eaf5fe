import type { FastifyRequest } from 'fastify';
import type { Db } from '../db/database';
import { findActiveToken } from '../db/queries/tokens';
import { forbidden, unauthorized } from './errors';

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

export async function authenticate(db: Db, req: FastifyRequest): Promise<Principal> {
  const header = req.headers.authorization ?? '';
  const m = /^Bearer\s+(\S+)$/i.exec(header);
  if (!m) throw unauthorized();
  const token = await findActiveToken(db, m[1]);
  if (!token) throw unauthorized();
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
