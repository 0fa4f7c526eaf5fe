import type { FastifyInstance } from 'fastify';
import { hasNul, INPUT_LIMITS } from '../domain/inputLimits';
import { badRequest, type FieldError } from './errors';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The JSON body parser: Fastify's own (which refuses `__proto__` poisoning), behind checks it
 * does not make. Invalid UTF-8 is refused rather than silently turned into U+FFFD; bodies
 * nested deeper than INPUT_LIMITS.jsonDepth and strings holding NUL are refused here, before
 * any handler, hash or query sees them.
 */
export function registerJsonBody(app: FastifyInstance, opts: { keepRaw?: boolean } = {}): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, raw: Buffer, done) => {
    // With keepRaw (the signed push route), a bad body is reported only after the signature
    // check: an unsigned caller learns nothing, not even that its JSON was malformed.
    const fail = (err: Error) => {
      if (!opts.keepRaw) return done(err, undefined);
      req.bodyError = err;
      done(null, undefined);
    };
    if (opts.keepRaw) req.rawBody = raw;
    let text: string;
    try {
      text = utf8.decode(raw);
    } catch {
      fail(badRequest('the body is not valid UTF-8', [{ field: 'body', message: 'not valid UTF-8' }]));
      return;
    }
    void parseJson(req, text, (err, body) => {
      if (err) return fail(err);
      const problem = checkShape(body);
      if (problem) return fail(badRequest(`invalid body: ${problem.field}: ${problem.message}`, [problem]));
      done(null, body);
    });
  });
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The exact bytes received, for routes that verify a signature over them (keepRaw). */
    rawBody?: Buffer;
    /** keepRaw routes: why the body did not parse, thrown once the signature is checked. */
    bodyError?: Error;
  }
}

/** Walks the parsed body without recursion (the depth is exactly what is not yet known). */
export function checkShape(body: unknown): FieldError | null {
  const stack: { value: unknown; path: string; depth: number }[] = [{ value: body, path: 'body', depth: 0 }];
  while (stack.length > 0) {
    const { value, path, depth } = stack.pop()!;
    if (typeof value === 'string') {
      if (hasNul(value)) return { field: path, message: 'must not contain a NUL character' };
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth >= INPUT_LIMITS.jsonDepth) return { field: path, message: `nested deeper than ${INPUT_LIMITS.jsonDepth} levels` };
    for (const [key, child] of Object.entries(value)) {
      if (hasNul(key)) return { field: path, message: 'a key contains a NUL character' };
      stack.push({ value: child, path: `${path}.${key}`, depth: depth + 1 });
    }
  }
  return null;
}
