import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { claimIdempotencyKey, saveIdempotentResponse } from '../db/queries/idempotency';
import type { ApiContext } from './context';
import { ApiError, badRequest } from './errors';
import { derivedId } from './ids';

/**
 * Idempotency-Key on every POST and PUT. The first answer (< 500) to a key is stored and
 * replayed to any repeat, which starts nothing. A repeat that finds no stored answer (the
 * first attempt crashed, or answered 5xx) runs the handler again: handlers derive their
 * new ids from the key (`idempotentIds`), so the re-run lands on what the first one made.
 */

export const IDEMPOTENCY_HEADER = 'idempotency-key';
export const REPLAYED_HEADER = 'Idempotent-Replayed';
const METHODS = new Set(['POST', 'PUT']);

interface IdempotencyState {
  tokenId: string;
  tokenHash: string;
  key: string;
  path: string;
  /** This answer is a replay: do not store it again. */
  replayed?: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    idempotency?: IdempotencyState;
  }
  interface FastifyContextConfig {
    /** Response fields replaced by null in the stored copy (e.g. a token shown only once). */
    idempotencyRedact?: string[];
  }
}

/** Ids a handler must use for what it creates; undefined without an Idempotency-Key. */
export function idempotentIds(req: FastifyRequest): { deploymentId: string; operationId: string; key: string } | undefined {
  const s = req.idempotency;
  if (!s) return undefined;
  const seed = `${s.tokenHash}\u0000${s.key}\u0000${s.path}`;
  return {
    deploymentId: derivedId('d', 10, `deployment\u0000${seed}`),
    operationId: derivedId('op', 12, `operation\u0000${seed}`),
    key: s.key,
  };
}

export function registerIdempotency(app: FastifyInstance, ctx: ApiContext): void {
  // Requests with the same key running at once in this process: the second waits for no one,
  // it is told to retry (a lease across API processes would need a lock table; see the report).
  const inFlight = new Set<string>();

  app.addHook('preHandler', async (req, reply) => {
    if (!METHODS.has(req.method) || !req.principal) return;
    const raw = req.headers[IDEMPOTENCY_HEADER];
    if (raw === undefined) return;
    const key = Array.isArray(raw) ? raw[0] : raw;
    // Node joins repeated headers into "k1, k2": count the raw ones, or two keys pass as one.
    const sent = req.raw.rawHeaders.filter((h, i) => i % 2 === 0 && h.toLowerCase() === IDEMPOTENCY_HEADER).length;
    if (Array.isArray(raw) || sent !== 1 || key.length < 1 || key.length > 200) {
      throw badRequest('Idempotency-Key must be one header of 1-200 characters', [
        { field: 'headers.idempotency-key', message: '1-200 characters, sent once' },
      ]);
    }
    const { tokenId, tokenHash } = req.principal;
    const path = req.url;
    const requestHash = hashRequest(req.method, path, req.body);
    const { created, record } = await claimIdempotencyKey(ctx.db, { tokenId, key, method: req.method, path, requestHash });
    if (!created && (record.request_hash !== requestHash || record.method !== req.method || record.path !== path)) {
      throw new ApiError(
        422,
        'idempotency_key_reused',
        `Idempotency-Key was first used for ${record.method} ${record.path} with a different body; use a new key for a new request`,
      );
    }
    const lock = `${tokenId}\u0000${key}`;
    if (!created && record.status_code !== null) {
      req.idempotency = { tokenId, tokenHash, key, path, replayed: true };
      return reply.status(record.status_code).header(REPLAYED_HEADER, 'true').send(record.response);
    }
    if (inFlight.has(lock)) {
      throw new ApiError(409, 'idempotency_key_in_use', 'a request with this Idempotency-Key is still being answered; retry in a moment');
    }
    inFlight.add(lock);
    req.idempotency = { tokenId, tokenHash, key, path };
  });

  app.addHook('onSend', async (req, reply, payload) => {
    const s = req.idempotency;
    if (!s || s.replayed) return payload;
    inFlight.delete(`${s.tokenId}\u0000${s.key}`);
    if (reply.statusCode >= 500) return payload;
    try {
      const body = typeof payload === 'string' && payload.length > 0 ? JSON.parse(payload) : null;
      await saveIdempotentResponse(ctx.db, s.tokenId, s.key, reply.statusCode, redact(body, reply.routeOptions.config?.idempotencyRedact));
    } catch (err) {
      // The answer still goes out; a repeat then re-runs the (idempotent) handler.
      req.log.warn({ err }, 'could not store the idempotent response');
    }
    return payload;
  });

  // A request that ends without onSend (client gone mid-handler) must not hold its key.
  app.addHook('onResponse', async (req) => {
    const s = req.idempotency;
    if (s && !s.replayed) inFlight.delete(`${s.tokenId}\u0000${s.key}`);
  });
}

function redact(body: unknown, fields: string[] | undefined): unknown {
  if (!fields || body === null || typeof body !== 'object') return body;
  const copy: Record<string, unknown> = { ...(body as Record<string, unknown>) };
  for (const f of fields) if (f in copy) copy[f] = null;
  return copy;
}

/** Key order in the JSON body does not make a different request. */
function hashRequest(method: string, path: string, body: unknown): string {
  return createHash('sha256')
    .update(`${method} ${path}\n${canonicalJson(body ?? null)}`)
    .digest('hex');
}

function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.keys(v as object)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}
