import { api } from '../../api';
import { explain } from '../../format';
import { html, mount, type Html } from '../../html';
import type { Operation, Traffic } from '../../types';

type Row = Traffic['revisions'][number];
export const TRAFFIC_POLL_MS = 2000;

const pct = (part: number, whole: number) => (whole > 0 ? `${((part / whole) * 100).toFixed(1)} %` : '–');

/** Rates between two samples of the router's cumulative counters. */
function rate(now: Row, before: Row | undefined, seconds: number): { rps: string; errors: number } {
  if (!before || seconds <= 0) return { rps: '–', errors: 0 };
  return { rps: (Math.max(0, now.requests - before.requests) / seconds).toFixed(1), errors: Math.max(0, now.errors5xx - before.errors5xx) };
}

function statsTable(t: Traffic, prev: Traffic | null): Html {
  if (t.revisions.length === 0) return html`<p class="muted">Nothing in the route${t.suspended ? ' (suspended)' : ''}.</p>`;
  const seconds = prev ? (Date.parse(t.sampledAt) - Date.parse(prev.sampledAt)) / 1000 : 0;
  const before = new Map(prev?.revisions.map((r) => [r.revision, r]));
  return html`<table class="grid stack" id="router-stats">
      <thead>
        <tr>
          <th>Revision</th>
          <th>Weight</th>
          <th>req/s</th>
          <th>5xx (last ${seconds ? seconds.toFixed(0) : '–'} s)</th>
          <th>5xx total</th>
          <th>p99</th>
          <th>In flight</th>
        </tr>
      </thead>
      <tbody>
        ${t.revisions.map((r) => {
          const live = rate(r, before.get(r.revision), seconds);
          return html`<tr data-version="${r.version ?? ''}">
            <td>
              ${r.version ?? '?'}
              <span class="muted small">${r.slot ?? ''} c${r.configRevision ?? '?'} ×${r.replicas}</span
              >${r.healthy ? '' : html` <span class="badge bad">unhealthy</span>`}
            </td>
            <td class="num">${r.weight} %</td>
            <td class="num">${live.rps}</td>
            <td class="num">${live.errors}</td>
            <td class="num">${r.errors5xx} / ${r.requests} <span class="muted small">${pct(r.errors5xx, r.requests)}</span></td>
            <td class="num">${r.p99Ms === null ? '–' : `${r.p99Ms.toFixed(0)} ms`}</td>
            <td class="num">${r.inFlight}</td>
          </tr>`;
        })}
      </tbody>
    </table>
    ${t.suspended ? html`<p class="muted">Suspended: the router answers 503.</p>` : ''}`;
}

/** A canary upgrade in flight: the canary is the revision of the operation's target version. */
function canaryCard(op: Operation, t: Traffic, base: Traffic | null): Html {
  // Revision keys end with their owning operation (activities/revisionKey.ts); a warm previous revision of the same version is not the canary.
  const owner = op.retryOf ?? op.id;
  const isCanary = (r: Row) => r.revision.endsWith(`-${owner}`);
  const canary = t.revisions.filter(isCanary);
  const stable = t.revisions.filter((r) => !isCanary(r));
  const start = new Map(base?.revisions.map((r) => [r.revision, r]));
  const sum = (rows: Row[], f: (r: Row) => number) => rows.reduce((n, r) => n + f(r), 0);
  const since = (rows: Row[]) => ({
    requests: sum(rows, (r) => r.requests - (start.get(r.revision)?.requests ?? 0)),
    errors: sum(rows, (r) => r.errors5xx - (start.get(r.revision)?.errors5xx ?? 0)),
  });
  const c = since(canary);
  const s = since(stable);
  return html`<div class="canary" id="canary">
    <h3>Canary in flight: ${op.toVersion ?? '?'} (${op.id})</h3>
    <div class="meter"><div class="fill" data-width="${sum(canary, (r) => r.weight)}"></div></div>
    <p>
      Weight <strong id="canary-weight">${sum(canary, (r) => r.weight).toFixed(0)} %</strong> canary,
      ${sum(stable, (r) => r.weight).toFixed(0)} % stable.
    </p>
    <p>
      5xx since this page opened: canary <strong>${pct(c.errors, c.requests)}</strong> (${c.errors}/${c.requests}), stable
      <strong>${pct(s.errors, s.requests)}</strong> (${s.errors}/${s.requests}).
    </p>
    <div class="buttons">
      <button type="button" data-action="promote">Promote to 100 %</button>
      <button type="button" data-action="abort" class="danger">Abort canary</button>
    </div>
  </div>`;
}

/** Live router counters (polled: they live in the router, not the database) and the canary card. */
export function trafficPanel(
  el: HTMLElement,
  canaryEl: HTMLElement,
  id: string,
  signal: AbortSignal,
  inFlight: () => Operation | null,
): void {
  let prev: Traffic | null = null;
  let base: { op: string; t: Traffic } | null = null;
  const tick = async () => {
    try {
      const t = await api<Traffic>('GET', `/api/deployments/${id}/traffic`);
      if (signal.aborted) return;
      mount(el, statsTable(t, prev));
      const op = inFlight();
      if (op && op.strategy === 'canary' && ['upgrade', 'restart', 'retry'].includes(op.kind)) {
        if (base?.op !== op.id) base = { op: op.id, t };
        mount(canaryEl, canaryCard(op, t, base.t));
        // A width from the data: set through the DOM, because the page allows no inline styles.
        canaryEl.querySelectorAll<HTMLElement>('.fill[data-width]').forEach((f) => (f.style.width = `${Number(f.dataset.width)}%`));
      } else mount(canaryEl, html``);
      prev = t;
    } catch (err) {
      if (!signal.aborted) mount(el, explain(err));
    }
    if (!signal.aborted) setTimeout(() => void tick(), TRAFFIC_POLL_MS);
  };
  void tick();
}
