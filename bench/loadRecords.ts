import type { WindowReport } from './loadGenerator';

/** Status of a request that got no answer (timeout, reset, refused). */
export const STATUS_ERROR = 0;

/**
 * One record per request, whoever sent it (the in-process generator or vegeta): start
 * time on the generator's clock, latency, status or error kind, the hello-app version that
 * answered. Parallel arrays, so a few hundred thousand records stay cheap, and any time
 * window can be cut afterwards.
 */
export class LoadRecords {
  private readonly startAt: number[] = [];
  private readonly latency: number[] = [];
  private readonly status: number[] = [];
  private readonly versionOf: number[] = [];
  private readonly errorKind = new Map<number, string>();
  /** The `code` of a non-2xx JSON answer (`route_saturated`, `no_healthy_upstream`…): which refusal it was. */
  private readonly refusalCode = new Map<number, string>();
  private readonly versionNames: string[] = [];
  private readonly versionIndex = new Map<string, number>();

  /** `body`, when given, is parsed for hello-app's `{"version": …}`. */
  add(start: number, ms: number, code: number, opts: { body?: string; err?: string } = {}): void {
    const i = this.startAt.length;
    this.startAt.push(start);
    this.latency.push(ms);
    this.status.push(code);
    const json = opts.body === undefined ? undefined : parseJson(opts.body);
    this.versionOf.push(json ? this.versionIn(json) : -1);
    if (opts.err) this.errorKind.set(i, opts.err);
    if ((code < 200 || code >= 300) && typeof json?.code === 'string') this.refusalCode.set(i, json.code);
  }

  private versionIn(json: { version?: unknown }): number {
    const v = json.version;
    if (v === undefined) return -1;
    let id = this.versionIndex.get(String(v));
    if (id === undefined) {
      id = this.versionNames.length;
      this.versionNames.push(String(v));
      this.versionIndex.set(String(v), id);
    }
    return id;
  }

  window(fromMs: number, toMs: number): WindowReport {
    const lat: number[] = [];
    const byStatus: Record<string, number> = {};
    const errorKinds: Record<string, number> = {};
    const versions: Record<string, number> = {};
    let ok = 0;
    let non2xx = 0;
    let connErrors = 0;
    let firstFail = Infinity;
    let lastFail = -Infinity;
    for (let i = 0; i < this.startAt.length; i++) {
      const s = this.startAt[i];
      if (s < fromMs || s >= toMs) continue;
      lat.push(this.latency[i]);
      const code = this.status[i];
      if (code === STATUS_ERROR) {
        connErrors += 1;
        const kind = this.errorKind.get(i) ?? 'error';
        errorKinds[kind] = (errorKinds[kind] ?? 0) + 1;
      } else {
        const key = this.refusalCode.has(i) ? `${code} ${this.refusalCode.get(i)}` : String(code);
        byStatus[key] = (byStatus[key] ?? 0) + 1;
        if (code >= 200 && code < 300) ok += 1;
        else non2xx += 1;
      }
      if (code < 200 || code >= 300) {
        firstFail = Math.min(firstFail, s);
        lastFail = Math.max(lastFail, s + this.latency[i]);
      }
      if (this.versionOf[i] >= 0) {
        const name = this.versionNames[this.versionOf[i]];
        versions[name] = (versions[name] ?? 0) + 1;
      }
    }
    lat.sort((a, b) => a - b);
    const seconds = Math.max(0.001, (toMs - fromMs) / 1000);
    return {
      requests: lat.length,
      seconds,
      ratePerSec: lat.length / seconds,
      ok,
      non2xx,
      byStatus,
      connErrors,
      errorKinds,
      p50Ms: percentile(lat, 0.5),
      p99Ms: percentile(lat, 0.99),
      maxMs: lat.length ? lat[lat.length - 1] : 0,
      versions,
      failureSpanMs: Number.isFinite(firstFail) ? lastFail - firstFail : 0,
    };
  }
}

/** hello-app answers `{"version": …}`, the routers' refusals `{"code": …}`; anything else is neither. */
function parseJson(body: string): { version?: unknown; code?: unknown } | undefined {
  try {
    const v: unknown = JSON.parse(body);
    return v !== null && typeof v === 'object' ? (v as { version?: unknown; code?: unknown }) : undefined;
  } catch {
    return undefined;
  }
}

/** Nearest-rank percentile of an ascending array; 0 for an empty one. */
export function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank];
}
