import type { FastifyRequest } from 'fastify';
import type { OperationTrigger } from '../domain/operations';
import type { Principal } from './auth';
import { badRequest } from './errors';
import { TriggerHeader } from './schemas';

export const TRIGGER_HEADER = 'x-slipway-trigger';

/** The operation's trigger from X-Slipway-Trigger; only admins may say `admin`, which is their default. */
export function triggerOf(req: FastifyRequest, p: Principal): OperationTrigger {
  const raw = req.headers[TRIGGER_HEADER];
  if (raw === undefined) return p.role === 'admin' ? 'admin' : 'api';
  const field = `headers.${TRIGGER_HEADER}`;
  const r = TriggerHeader.safeParse(raw);
  if (!r.success)
    throw badRequest(`${TRIGGER_HEADER} must be one of ${TriggerHeader.options.join(', ')}`, [
      { field, message: `one of ${TriggerHeader.options.join(', ')}` },
    ]);
  if (r.data === 'admin' && p.role !== 'admin')
    throw badRequest(`only admin tokens may send ${TRIGGER_HEADER}: admin`, [{ field, message: 'admin is for admin tokens' }]);
  return r.data;
}
