import type { FastifyRequest } from 'fastify';
import type { OperationTrigger } from '../domain/operations';
import type { Principal } from './auth';
import { idempotentIds } from './idempotency';

/** Who starts an operation, and the ids its Idempotency-Key fixes: plain values, taken from the request once. */
export interface StartedBy {
  actor: string;
  trigger: OperationTrigger;
  /** Undefined without an Idempotency-Key. */
  ids: { deploymentId: string; operationId: string; key: string } | undefined;
}

export function startedBy(req: FastifyRequest, p: Principal, trigger: OperationTrigger): StartedBy {
  return { actor: p.actor, trigger, ids: idempotentIds(req) };
}
