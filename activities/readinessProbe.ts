const PROBE_TIMEOUT_MS = 2_000;

/** The one HTTP call a probe makes; injected so activities can be tested in-process. */
export type ProbeFetch = (url: string, init: { signal: AbortSignal; redirect: 'manual' }) => Promise<Response>;

/** The readiness path would take the probe away from the revision's own endpoint. */
export class ProbeTargetError extends Error {
  override readonly name = 'ProbeTargetError';
}

/**
 * The probe URL: the revision's own endpoint plus the readiness path, and nothing else.
 * `new URL('//other:1/x', base)` would happily leave the endpoint (protocol-relative), as
 * would a scheme or a backslash; the manifest schema refuses those, and this refuses them
 * again for rows written before it did.
 */
export function readinessUrl(endpointUrl: string, readinessPath: string): string {
  const base = new URL(endpointUrl);
  if (!readinessPath.startsWith('/') || readinessPath.startsWith('//') || readinessPath.includes('\\')) {
    throw new ProbeTargetError(`readiness path ${JSON.stringify(readinessPath)} is not a path on the revision's own endpoint`);
  }
  const target = new URL(readinessPath, base);
  if (target.origin !== base.origin) {
    throw new ProbeTargetError(`readiness path ${JSON.stringify(readinessPath)} leads to ${target.origin}, not ${base.origin}`);
  }
  return target.toString();
}

/**
 * One GET of a readiness URL: the status code, or the connection error's message.
 * Redirects are not followed: a 3xx is "not ready", never a hop to somewhere else.
 */
export async function probeReadiness(url: string, signal?: AbortSignal, probeFetch: ProbeFetch = fetch): Promise<number | string> {
  const timeout = AbortSignal.timeout(PROBE_TIMEOUT_MS);
  try {
    const res = await probeFetch(url, { signal: signal ? AbortSignal.any([signal, timeout]) : timeout, redirect: 'manual' });
    await res.arrayBuffer();
    return res.status;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

export function isReadyAnswer(answer: number | string): boolean {
  return typeof answer === 'number' && answer >= 200 && answer < 300;
}

/** Fast first probes, backing off to the configured interval. */
export function nextProbeDelay(previousMs: number, maxMs: number): number {
  return Math.min(maxMs, Math.max(100, Math.round(previousMs * 1.5)));
}
