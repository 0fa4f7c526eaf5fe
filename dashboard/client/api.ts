import { readSse, type SseEvent } from '../../cli/sse';

/**
 * The dashboard talks to the same JSON API as every other client, with the token typed at
 * sign-in as a bearer header. It lives in sessionStorage (this tab only, gone when it
 * closes) rather than a cookie: the browser never attaches it by itself, so no other site
 * can make a request with it and there is no CSRF to defend against.
 */
const TOKEN_KEY = 'slipway.token';
const ROLE_KEY = 'slipway.role';

export type Role = 'admin' | 'tenant';

export const session = {
  token: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  role: (): Role | null => sessionStorage.getItem(ROLE_KEY) as Role | null,
  save(token: string, role: Role) {
    sessionStorage.setItem(TOKEN_KEY, token);
    sessionStorage.setItem(ROLE_KEY, role);
  },
  clear() {
    sessionStorage.removeItem(TOKEN_KEY);
    sessionStorage.removeItem(ROLE_KEY);
  },
};

/** An answer other than 2xx, as the API sent it: {code, message, fields?, operationId?}. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: { field: string; message: string }[] = [],
    readonly operationId: string | null = null,
  ) {
    super(message);
  }
}

function headers(token: string | null, body: unknown): Record<string, string> {
  return {
    ...(token ? { authorization: `Bearer ${token}` } : {}),
    ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    // Recorded on the operation, so its history says it was started from here.
    'x-slipway-trigger': 'dashboard',
  };
}

export async function api<T>(method: string, path: string, body?: unknown, token = session.token()): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, { method, headers: headers(token, body), body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiFailure(0, 'unreachable', 'the Slipway API did not answer; is it running?');
  }
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null; // not JSON (a proxy's error page): the status says enough
  }
  if (res.ok) return parsed as T;
  const e = (parsed ?? {}) as {
    code?: string;
    message?: string;
    fields?: { field: string; message: string }[];
    operationId?: string | null;
  };
  if (res.status === 401 && token === session.token()) window.dispatchEvent(new Event('slipway:signed-out'));
  throw new ApiFailure(
    res.status,
    e.code ?? `http_${res.status}`,
    e.message ?? `the API answered ${res.status}`,
    e.fields,
    e.operationId ?? null,
  );
}

/**
 * Follows a text/event-stream answer until `signal` aborts or the server ends it. fetch, not
 * EventSource: EventSource cannot send the Authorization header.
 */
export async function follow(path: string, onEvent: (e: SseEvent) => void, signal: AbortSignal): Promise<void> {
  const res = await fetch(path, { headers: headers(session.token(), undefined), signal });
  if (!res.ok || !res.body) throw new ApiFailure(res.status, `http_${res.status}`, `the event stream answered ${res.status}`);
  for await (const e of readSse(res.body)) onEvent(e);
}

/** Keeps a stream open across network hiccups, reconnecting after a pause, until aborted. */
export function followForever(path: string, onEvent: (e: SseEvent) => void, signal: AbortSignal, onState?: (live: boolean) => void): void {
  const loop = async () => {
    while (!signal.aborted) {
      try {
        onState?.(true);
        await follow(path, onEvent, signal);
      } catch {
        /* reconnect below */
      }
      onState?.(false);
      if (!signal.aborted) await new Promise((r) => setTimeout(r, 1500));
    }
  };
  void loop();
}
