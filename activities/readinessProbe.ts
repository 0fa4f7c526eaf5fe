const PROBE_TIMEOUT_MS = 2_000;

/** One GET of a readiness URL: the status code, or the connection error's message. */
export async function probeReadiness(url: string, signal?: AbortSignal): Promise<number | string> {
  const timeout = AbortSignal.timeout(PROBE_TIMEOUT_MS);
  try {
    const res = await fetch(url, { signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
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
