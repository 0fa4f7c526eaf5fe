import type { FastifyRequest } from 'fastify';
import type { Db } from '../db/database';
import { findActiveToken } from '../db/queries/tokens';
import { forbidden, unauthorized } from './errors';

export interface Principal {
  role: 'admin' | 'tenant';
  /** null for admins: they act across tenants. */
  tenantId: string | null;
  actor: string;
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
  return { role: token.role, tenantId: token.tenant_id, actor: `${token.role}:${token.name}` };
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
