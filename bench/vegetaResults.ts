import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { vegetaAttack } from './loadTools';

/** One request as vegeta saw it: when it was sent, what came back, how long it took. */
export interface VegetaHit {
  /** Send time, ms since the epoch. */
  atMs: number;
  /** 0 when no answer came (timeout, reset, refused). */
  code: number;
  latencyMs: number;
  body: string;
}

/**
 * `vegeta attack | vegeta encode -to json`: every request's own result, so a bench can cut
 * windows by time (during an operation, right after an overload) and split served from
 * shed answers, which `vegeta report` cannot. The load still comes from vegeta's process.
 * Bodies are kept only when `keepBodies` (they tell which version answered).
 */
export async function vegetaHits(
  bin: string,
  url: string,
  host: string,
  o: { rate: number; seconds: number; timeoutSeconds: number; keepBodies?: boolean },
): Promise<VegetaHit[]> {
  const attack = vegetaAttack(bin, url, host, o);
  const encode = spawn(bin, ['encode', '-to', 'json'], { stdio: ['pipe', 'pipe', 'inherit'] });
  attack.stdout.pipe(encode.stdin);
  const hits: VegetaHit[] = [];
  for await (const line of createInterface({ input: encode.stdout })) {
    if (!line) continue;
    const r = JSON.parse(line) as { timestamp: string; code: number; latency: number; body?: string };
    hits.push({
      atMs: Date.parse(r.timestamp),
      code: r.code,
      latencyMs: r.latency / 1e6,
      body: o.keepBodies && r.body ? Buffer.from(r.body, 'base64').toString('utf8') : '',
    });
  }
  return hits;
}

/** The q-quantile of some latencies (nearest rank); NaN for none. */
export function quantileMs(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/**
 * Milliseconds from `sinceMs` to the start of the first `bucketMs` window after which every
 * request (sent in that window and later) got a 2xx: how long the target took to recover.
 * Null if it never did.
 */
export function recoveredAfterMs(hits: VegetaHit[], sinceMs: number, bucketMs = 100): number | null {
  const after = hits.filter((h) => h.atMs >= sinceMs).sort((a, b) => a.atMs - b.atMs);
  let lastBad = -1;
  after.forEach((h, i) => {
    if (h.code < 200 || h.code >= 300) lastBad = i;
  });
  if (lastBad === after.length - 1) return null;
  if (lastBad === -1) return 0;
  return Math.ceil((after[lastBad].atMs - sinceMs) / bucketMs) * bucketMs;
}
