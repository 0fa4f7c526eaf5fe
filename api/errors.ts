import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '../ports/logger';

export interface FieldError {
  field: string;
  message: string;
}

/** Every error the API answers with on purpose. Anything else becomes a 500 without details. */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly fields?: FieldError[],
    readonly extra?: Record<string, unknown>,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}

export const badRequest = (message: string, fields?: FieldError[]) => new ApiError(400, 'bad_request', message, fields);
export const unauthorized = () => new ApiError(401, 'unauthorized', 'send a valid token as "Authorization: Bearer <token>"');
export const forbidden = (message: string) => new ApiError(403, 'forbidden', message);
export const notFound = (what: string) => new ApiError(404, 'not_found', `${what} not found`);
export const conflict = (code: string, message: string, extra?: Record<string, unknown>) =>
  new ApiError(409, code, message, undefined, extra);
export const unavailable = (message: string) => new ApiError(503, 'unavailable', message);
export const tooManyRequests = (code: string, message: string, retryAfterSeconds?: number) =>
  new ApiError(429, code, message, undefined, undefined, retryAfterSeconds ? { 'retry-after': String(retryAfterSeconds) } : undefined);

/** The one place that maps errors to HTTP answers. */
export function createErrorHandler(logger: Logger) {
  return (err: FastifyError | ApiError | Error, req: FastifyRequest, reply: FastifyReply) => {
    if (err instanceof ApiError) {
      if (err.headers) void reply.headers(err.headers);
      void reply
        .status(err.statusCode)
        .send({ code: err.code, message: err.message, ...(err.fields ? { fields: err.fields } : {}), ...err.extra });
      return;
    }
    const fe = err as FastifyError;
    if (
      fe.validation ||
      fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ||
      fe.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ||
      (fe.statusCode === 400 && fe.code?.startsWith('FST_'))
    ) {
      void reply.status(400).send({ code: 'bad_request', message: fe.message });
      return;
    }
    if (fe.statusCode === 413) {
      void reply.status(413).send({ code: 'payload_too_large', message: 'request body too large' });
      return;
    }
    logger.error({ err, url: req.url, method: req.method }, 'unhandled error');
    void reply.status(500).send({ code: 'internal', message: 'internal error; see the server log' });
  };
}
