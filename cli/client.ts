import { randomUUID } from 'node:crypto';
import type { CliConfig } from './config';
import { CliError, UnreachableError } from './errors';

/** One retry schedule for every call: safe for POSTs because each carries an Idempotency-Key. */
export const RETRY_DELAYS_MS = [250, 500, 1000] as const;
const RETRYABLE_STATUSES = new Set([502, 503]);
/** The first attempt with this key is still being answered: asking again soon is safe. */
const RETRYABLE_CODES = new Set(['idempotency_key_in_use']);
const isRetryable = (e: CliError) => RETRYABLE_STATUSES.has(e.status ?? 0) || RETRYABLE_CODES.has(e.code ?? '');
export const REQUEST_TIMEOUT_MS = 30_000;

interface ApiErrorBody {
  code?: string;
  message?: string;
  fields?: { field: string; message: string }[];
  operationId?: string | null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The Slipway HTTP API, and nothing else: the CLI never talks to the database or Temporal. */
export class SlipwayClient {
  constructor(readonly config: CliConfig) {}

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  /** A state-changing call; a retried attempt reuses the key, so the API answers it once. */
  send<T>(method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body: unknown, idempotencyKey: string = randomUUID()): Promise<T> {
    return this.request<T>(method, path, body, { 'idempotency-key': idempotencyKey });
  }

  /** Opens a long-lived response (SSE); the caller reads and closes it. No retries, no timeout. */
  async open(path: string, signal: AbortSignal, accept: string): Promise<Response> {
    try {
      return await fetch(this.url(path), { headers: { ...this.authHeader(), accept }, signal });
    } catch (err) {
      if (signal.aborted) throw err;
      throw this.unreachable(err);
    }
  }

  /** Turns a non-2xx answer into the message an on-call engineer needs. */
  async failure(res: Response): Promise<CliError> {
    const text = await res.text().catch(() => '');
    let body: ApiErrorBody;
    try {
      body = text ? (JSON.parse(text) as ApiErrorBody) : {};
    } catch {
      body = { message: text.slice(0, 500) };
    }
    return apiError(res.status, body, this.config);
  }

  private async request<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const last = attempt >= RETRY_DELAYS_MS.length;
      let res: Response;
      try {
        res = await fetch(this.url(path), {
          method,
          headers: {
            ...this.authHeader(),
            accept: 'application/json',
            ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
            ...headers,
          },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        });
      } catch (err) {
        if (last) throw this.unreachable(err);
        await sleep(RETRY_DELAYS_MS[attempt]);
        continue;
      }
      if (!res.ok) {
        const failure = await this.failure(res);
        if (!last && isRetryable(failure)) {
          await sleep(RETRY_DELAYS_MS[attempt]);
          continue;
        }
        throw failure;
      }
      const text = await res.text();
      try {
        return (text ? JSON.parse(text) : null) as T;
      } catch {
        throw new CliError([
          `Slipway at ${this.config.baseUrl} answered ${method} ${path} with something that is not JSON; is SLIPWAY_URL pointing at Slipway's API?`,
        ]);
      }
    }
  }

  private url(path: string): string {
    return `${this.config.baseUrl}${path}`;
  }

  private authHeader(): Record<string, string> {
    return this.config.token ? { authorization: `Bearer ${this.config.token}` } : {};
  }

  private unreachable(err: unknown): UnreachableError {
    const url = this.config.baseUrl;
    if (err instanceof Error && err.name === 'TimeoutError')
      return new UnreachableError([`Slipway at ${url} did not answer within ${REQUEST_TIMEOUT_MS / 1000}s`]);
    const cause = err instanceof Error ? describeCause(err) : String(err);
    return new UnreachableError([
      `cannot reach Slipway at ${url}: is it running? Start it with \`npm start\` or set SLIPWAY_URL`,
      `  (${cause})`,
    ]);
  }
}

function describeCause(err: Error): string {
  const cause = (err as { cause?: unknown }).cause;
  if (cause instanceof Error) return cause.message || (cause as { code?: string }).code || err.message;
  if (cause && typeof cause === 'object' && 'code' in cause) return String((cause as { code: unknown }).code);
  return err.message;
}

function apiError(status: number, body: ApiErrorBody, config: CliConfig): CliError {
  const message = body.message ?? `HTTP ${status}`;
  const make = (lines: string[]) => new CliError(lines, 1, status, body.code);
  switch (status) {
    case 400: {
      if (!body.fields?.length) return make([`the request was refused: ${message}`]);
      return make(['the request was refused:', ...body.fields.map((f) => `  ${f.field}: ${f.message}`)]);
    }
    case 401:
      if (config.tokenSource === 'none')
        return make([`no token: set SLIPWAY_TOKEN or pass --token (an admin token is in ${config.tokenFile} after \`npm start\`)`]);
      return make([
        `the token was refused: set SLIPWAY_TOKEN (an admin token is in ${config.tokenFile}); this one came from ${config.tokenSource === 'file' ? config.tokenFile : config.tokenSource}`,
      ]);
    case 403:
      return make([`not allowed: ${message}`]);
    case 404:
      return make([message]);
    case 409: {
      const lines = [message];
      if (body.operationId)
        lines.push(`operation in flight: ${body.operationId}`, `  follow it: slipway operations logs ${body.operationId} --follow`);
      return make(lines);
    }
    default:
      if (status >= 500) return make([`Slipway failed (HTTP ${status}${body.code ? ` ${body.code}` : ''}): ${message}`]);
      return make([`Slipway answered HTTP ${status}${body.code ? ` ${body.code}` : ''}: ${message}`]);
  }
}
