import { ApiFailure } from './api';
import { html, type Html } from './html';

/** The API's message as it came, plus what a 409 means for the person looking at it. */
export function explain(err: unknown): Html {
  if (!(err instanceof ApiFailure)) return html`<div class="error" role="alert">Something failed in the dashboard: ${String(err)}</div>`;
  const hint = HINTS[err.code];
  return html`<div class="error" role="alert">
    <strong>${err.status ? `${err.status} ${err.code}` : err.code}</strong>: ${err.message}
    ${
      err.fields.length > 0
        ? html`<ul>
            ${err.fields.map((f) => html`<li><code>${f.field}</code>: ${f.message}</li>`)}
          </ul>`
        : ''
    }
    ${err.operationId ? html`<div>Running now: <code>${err.operationId}</code></div>` : ''}
    ${hint ? html`<div class="hint">${hint}</div>` : ''}
  </div>`;
}

const HINTS: Record<string, string> = {
  operation_in_flight:
    'Only one operation runs on a deployment at a time. Wait for the running one to finish (or follow it), then try again.',
  illegal_transition: 'This action is not possible from the deployment’s current status.',
  already_on_version: 'The deployment already runs that version; pick another one, or use Restart.',
  nothing_to_retry: 'Retry re-runs the latest failed operation; there is none.',
  no_canary_in_flight: 'Promote and Abort act on a canary upgrade while it runs; none is running now.',
  last_admin_token: 'Slipway keeps at least one admin token, so an admin can always get in.',
  mass_upgrade_in_progress: 'One rollout per app at a time: pause or cancel the running one first.',
  too_many_log_streams: 'This token has too many live views open; close some tabs.',
};

export function when(iso: string | null): string {
  if (!iso) return '–';
  const d = new Date(iso);
  return d.toISOString().replace('T', ' ').slice(0, 19);
}

export function duration(ms: number | null): string {
  if (ms === null) return '–';
  if (ms < 1000) return `${ms} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.round(ms / 60_000)} min`;
}

const TONES: Record<string, string> = {
  running: 'ok',
  succeeded: 'ok',
  failed: 'bad',
  cancelled: 'bad',
  halted: 'bad',
  destroyed: 'muted',
  suspended: 'muted',
  paused: 'warn',
};

export function badge(status: string): Html {
  return html`<span class="badge ${TONES[status] ?? 'busy'}" data-status="${status}">${status.replace(/_/g, ' ')}</span>`;
}

export function strategyName(s: string | null): string {
  return s ? s.replace('_', '-') : '–';
}
