import { api, ApiFailure, followForever } from '../api';
import { explain } from '../format';
import { $, html, mount, type Html } from '../html';
import type { Page } from '../main';
import type { Deployment, Operation, Release } from '../types';
import { actionsPanel, wireActions } from './deployment/actions';
import type { DeploymentPage } from './deployment/context';
import { envPanel } from './deployment/env';
import { header, updateBanner } from './deployment/header';
import { operationsTable, showOperation, wireOperations } from './deployment/operations';
import { trafficPanel } from './deployment/traffic';
import { versionsPanel } from './deployment/versions';

const layout = () =>
  html`<div id="flash"></div>
    <section class="card" id="summary"></section>
    <div id="banner"></div>
    <div class="columns">
      <section class="card">
        <h2>Versions</h2>
        <div id="versions-panel"></div>
      </section>
      <section class="card">
        <h2>Actions</h2>
        <div id="actions-panel"></div>
      </section>
    </div>
    <div id="canary-panel"></div>
    <section class="card">
      <h2>Router stats <span class="muted small">per revision, live</span></h2>
      <div id="traffic-panel"></div>
    </section>
    <section class="card" id="operations-panel">
      <h2>Operations</h2>
      <div id="operations-list"></div>
      <div id="operation-detail"></div>
    </section>
    <section class="card">
      <h2>Environment</h2>
      <div id="env-panel"></div>
    </section>`;

/** One deployment: Versions and Operations side by side with its actions, env, canary and live router stats. */
export function deploymentPage(id: string): Page {
  return async (main, signal, params) => {
    let deployment: Deployment;
    try {
      deployment = await api<Deployment>('GET', `/api/deployments/${id}`);
    } catch (err) {
      // Another tenant's deployment answers 404 like a missing one: the page says only that.
      mount(
        main,
        html`<section class="card">
          <h1>Deployment ${id}</h1>
          ${explain(err)}
          <p><a href="#/deployments">Back to the list</a></p>
        </section>`,
      );
      return;
    }
    mount(main, layout());
    let releases: Release[] = [];
    let operations: Operation[] = [];
    let selected: string | null = params.get('op');
    let stopDetail: (() => void) | null = null;

    const drawDeployment = () => {
      mount($('#summary', main), header(deployment));
      mount($('#banner', main), updateBanner(deployment));
      mount($('#versions-panel', main), versionsPanel(deployment, releases));
      // Live updates redraw the panel; what someone had chosen or typed in it survives.
      const panel = $('#actions-panel', main);
      if (panel.contains(document.activeElement) && panel.childElementCount > 0) return;
      const kept = [...panel.querySelectorAll<HTMLInputElement | HTMLSelectElement>('select, input')].map(
        (f) => [f.name, f.value] as const,
      );
      mount(panel, actionsPanel(deployment, releases));
      for (const [name, value] of kept) {
        const field = panel.querySelector<HTMLInputElement | HTMLSelectElement>(`[name="${name}"]`);
        if (field && (!(field instanceof HTMLSelectElement) || [...field.options].some((o) => o.value === value))) field.value = value;
      }
      const destroy = panel.querySelector<HTMLButtonElement>('#destroy');
      if (destroy) destroy.disabled = panel.querySelector<HTMLInputElement>('[name="confirm"]')?.value !== id;
    };
    const loadOperations = async () => {
      const r = await api<{ operations: Operation[] }>('GET', `/api/deployments/${id}/operations?limit=20`);
      operations = r.operations;
      mount($('#operations-list', main), operationsTable(operations, selected));
      if (!selected && operations[0]) select(operations[0].id);
    };
    const select = (opId: string) => {
      // Already open (a click racing a reload): keep its stream rather than start over.
      if (opId === selected && stopDetail) return;
      selected = opId;
      stopDetail?.();
      mount($('#operations-list', main), operationsTable(operations, selected));
      stopDetail = showOperation($('#operation-detail', main), opId, signal, () => void loadOperations());
    };
    const flash = (content: Html) => mount($('#flash', main), content);

    const page: DeploymentPage = {
      id,
      signal,
      deployment: () => deployment,
      inFlight: () => operations.find((o) => o.status === 'running' || o.status === 'pending') ?? null,
      flash,
      selectOperation: select,
      async act(method, path, body, label) {
        try {
          const r = await api<{ operation?: Operation | null; message?: string; signal?: string }>(method, path, body);
          const op = r.operation;
          // Canary promote/abort signal the operation already running; everything else starts one.
          const what = op ? `${r.signal ? 'signal sent to' : 'started'} ${op.kind} ${op.id}` : (r.message ?? 'done');
          flash(html`<div class="notice" role="status">${label}: ${what}</div>`);
          await loadOperations();
          if (r.operation) select(r.operation.id);
          return true;
        } catch (err) {
          flash(
            html`<div><strong>${label}</strong> was refused.</div>
              ${explain(err)}`,
          );
          if (err instanceof ApiFailure && err.operationId) select(err.operationId);
          return false;
        }
      },
    };

    wireActions(main, page);
    wireOperations(main, select);
    const env = envPanel($('#env-panel', main), page);
    drawDeployment();
    trafficPanel($('#traffic-panel', main), $('#canary-panel', main), id, signal, page.inFlight);
    await Promise.all([
      api<{ releases: Release[] }>('GET', `/api/apps/${encodeURIComponent(deployment.app)}/releases?limit=50`).then((r) => {
        releases = r.releases;
        drawDeployment();
      }),
      loadOperations(),
      env.reload(),
    ]).catch((err: unknown) => flash(explain(err)));

    // Status, progress and versions change under running operations: the same stream as the list, this row only.
    followForever(
      '/api/events/deployments',
      (e) => {
        if (e.event !== 'deployment') return;
        const d = JSON.parse(e.data) as Deployment;
        if (d.id !== id) return;
        const versionChanged = d.configRevision !== deployment.configRevision;
        deployment = d;
        drawDeployment();
        void loadOperations();
        if (versionChanged) void env.reload();
      },
      signal,
    );
  };
}
