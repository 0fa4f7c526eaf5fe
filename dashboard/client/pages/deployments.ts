import { api, followForever, session } from '../api';
import { badge, explain, strategyName, when } from '../format';
import { $, html, mount, type Html } from '../html';
import type { Page } from '../main';
import type { Deployment, Operation } from '../types';
import { DEPLOYMENT_STATUSES } from '../../../domain/deploymentStatus';

const STRATEGIES = ['blue_green', 'rolling', 'canary', 'recreate'];
const FILTERS = ['app', 'status', 'servingVersion', 'strategy', 'updateAvailable', 'tenant'] as const;
type Filters = Partial<Record<(typeof FILTERS)[number], string>>;

/** The same rules as the API's filters, for changes that arrive over the event stream. */
function matches(d: Deployment, f: Filters): boolean {
  if (f.app && d.app !== f.app) return false;
  if (f.status && d.status !== f.status) return false;
  if (f.servingVersion && d.servingVersion !== f.servingVersion) return false;
  if (f.strategy && d.strategy !== f.strategy) return false;
  if (f.tenant && d.tenantId !== f.tenant) return false;
  if (f.updateAvailable === 'true' && !d.updateAvailable) return false;
  return true;
}

function filterForm(f: Filters, admin: boolean): Html {
  const select = (name: keyof Filters, label: string, options: readonly string[]) =>
    html`<label
      >${label}<select name="${name}">
        <option value="">any</option>
        ${options.map((o) => html`<option value="${o}" ${f[name] === o ? 'selected' : ''}>${o.replace(/_/g, ' ')}</option>`)}
      </select></label
    >`;
  return html`<form id="filters" class="filters">
    <label>App <input name="app" value="${f.app ?? ''}" placeholder="slug" size="10" /></label>
    ${select('status', 'Status', DEPLOYMENT_STATUSES)}
    <label>Serving <input name="servingVersion" value="${f.servingVersion ?? ''}" placeholder="1.0.0" size="8" /></label>
    ${select('strategy', 'Strategy', STRATEGIES)}
    ${admin ? html`<label>Tenant <input name="tenant" value="${f.tenant ?? ''}" size="10" /></label>` : ''}
    <label class="check"
      ><input type="checkbox" name="updateAvailable" value="true" ${f.updateAvailable ? 'checked' : ''} /> update available</label
    >
    <button type="submit">Filter</button>
  </form>`;
}

function lastOp(op: Operation | null | undefined): Html {
  if (op === undefined) return html`<span class="muted">…</span>`;
  if (op === null) return html`<span class="muted">–</span>`;
  return html`${op.kind} ${badge(op.status)} <span class="muted small">${when(op.createdAt)}</span>`;
}

function row(d: Deployment, op: Operation | null | undefined, admin: boolean): Html {
  return html`<tr data-id="${d.id}">
    <td>${d.app}</td>
    <td><a href="#/deployments/${d.id}">${d.name}</a>${d.name !== d.id ? html`<div class="muted small">${d.id}</div>` : ''}</td>
    ${admin ? html`<td>${d.tenantId}</td>` : ''}
    <td>${badge(d.status)}${d.progress > 0 && d.progress < 100 ? html` <span class="muted small">${d.progress}%</span>` : ''}</td>
    <td>${d.servingVersion ?? '–'}</td>
    <td>${strategyName(d.strategy)}</td>
    <td class="num">${d.replicas}</td>
    <td>${lastOp(op)}</td>
    <td>${d.updateAvailable ? html`<span class="update">update available: ${d.updateAvailable.version}</span>` : ''}</td>
  </tr>`;
}

/** Deployments, newest first, filtered like GET /api/deployments, kept live by /api/events/deployments. */
export const deploymentsPage: Page = async (main, signal, params) => {
  const admin = session.role() === 'admin';
  const filters: Filters = {};
  for (const k of FILTERS) if (params.get(k)) filters[k] = params.get(k) as string;
  const rows = new Map<string, Deployment>();
  const lastOps = new Map<string, Operation | null>();
  let next: string | null = null;

  mount(
    main,
    html`<section class="card">
      <div class="title-row">
        <h1>Deployments</h1>
        <span id="live" class="live">connecting…</span>
      </div>
      ${filterForm(filters, admin)}
      <div id="list-error"></div>
      <div class="scroll">
        <table class="grid stack" id="deployments">
          <thead>
            <tr>
              <th>App</th>
              <th>Name</th>
              ${admin ? html`<th>Tenant</th>` : ''}
              <th>Status</th>
              <th>Serving</th>
              <th>Strategy</th>
              <th>Replicas</th>
              <th>Last operation</th>
              <th></th>
            </tr>
          </thead>
          <tbody></tbody>
        </table>
      </div>
      <div id="more"></div>
    </section>`,
  );

  const draw = () => {
    const list = [...rows.values()].sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : a.id < b.id ? 1 : -1));
    mount(
      $('#deployments tbody', main),
      list.length > 0
        ? html`${list.map((d) => row(d, lastOps.get(d.id), admin))}`
        : html`<tr>
            <td colspan="9" class="muted">No deployments${Object.keys(filters).length ? ' match these filters' : ''}.</td>
          </tr>`,
    );
    mount($('#more', main), next ? html`<button type="button" id="load-more">Load more</button>` : html``);
  };
  const loadLastOp = async (id: string) => {
    const r = await api<{ operations: Operation[] }>('GET', `/api/deployments/${id}/operations?limit=1`).catch(() => null);
    lastOps.set(id, r?.operations[0] ?? null);
  };
  const loadPage = async (cursor: string | null) => {
    const q = new URLSearchParams(filters as Record<string, string>);
    if (cursor) q.set('cursor', cursor);
    try {
      const page = await api<{ deployments: Deployment[]; nextCursor: string | null }>('GET', `/api/deployments?${q}`);
      for (const d of page.deployments) rows.set(d.id, d);
      next = page.nextCursor;
      draw();
      await Promise.all(page.deployments.map((d) => loadLastOp(d.id)));
      if (!signal.aborted) draw();
    } catch (err) {
      mount($('#list-error', main), explain(err));
    }
  };

  $('#filters', main).addEventListener('submit', (ev) => {
    ev.preventDefault();
    const form = new FormData(ev.target as HTMLFormElement);
    const q = new URLSearchParams();
    for (const k of FILTERS) {
      const v = String(form.get(k) ?? '').trim();
      if (v) q.set(k, v);
    }
    location.hash = `#/deployments${q.size ? `?${q}` : ''}`;
  });
  main.addEventListener('click', (ev) => {
    if ((ev.target as HTMLElement).id === 'load-more') void loadPage(next);
  });

  followForever(
    '/api/events/deployments',
    (e) => {
      if (e.event !== 'deployment') return;
      const d = JSON.parse(e.data) as Deployment;
      if (matches(d, filters)) rows.set(d.id, d);
      else rows.delete(d.id);
      draw();
      void loadLastOp(d.id).then(() => !signal.aborted && draw());
    },
    signal,
    (live) => {
      const el = document.getElementById('live');
      if (el) mount(el, live ? html`● live` : html`reconnecting…`);
    },
  );
  await loadPage(null);
};
