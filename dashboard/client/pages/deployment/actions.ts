import { html, type Html } from '../../html';
import type { Deployment, Release } from '../../types';
import type { DeploymentPage } from './context';

const STRATEGIES = ['blue_green', 'rolling', 'canary', 'recreate'];

export function actionsPanel(d: Deployment, releases: Release[]): Html {
  if (d.status === 'destroyed') return html`<p class="muted">This deployment is destroyed; its row is kept for the record.</p>`;
  const versions = releases.filter((r) => r.status === 'active').map((r) => r.version);
  return html`<form id="upgrade-form" class="inline">
      <label
        >Version
        <select name="version">
          ${versions.map(
            (v) => html`<option value="${v}" ${v === (d.updateAvailable?.version ?? d.releaseVersion) ? 'selected' : ''}>${v}</option>`,
          )}
        </select></label
      >
      <label
        >Strategy
        <select name="strategy">
          ${STRATEGIES.map((s) => html`<option value="${s}" ${s === d.strategy ? 'selected' : ''}>${s.replace('_', '-')}</option>`)}
        </select></label
      >
      <button type="submit">Upgrade</button>
    </form>
    <div class="buttons">
      <button
        type="button"
        data-action="rollback"
        ${d.previousVersion ? '' : 'disabled'}
        title="back to ${d.previousVersion ?? 'nothing yet'}"
      >
        Rollback${d.previousVersion ? ` to ${d.previousVersion}` : ''}
      </button>
      <button type="button" data-action="restart">Restart</button>
      <button type="button" data-action="suspend">Suspend</button>
      <button type="button" data-action="resume">Resume</button>
      <button type="button" data-action="retry">Retry</button>
    </div>
    <form id="destroy-form" class="danger-zone">
      <label
        ><span>Type <code>${d.id}</code> to destroy it</span><input name="confirm" autocomplete="off"
      /></label>
      <button type="submit" class="danger" id="destroy" disabled>Destroy</button>
    </form>`;
}

/** Buttons and forms of the actions panel, the update banner and Redeploy in Versions (delegated: panels redraw). */
export function wireActions(root: HTMLElement, page: DeploymentPage): void {
  root.addEventListener('click', (ev) => {
    const button = (ev.target as HTMLElement).closest<HTMLButtonElement>('button[data-action]');
    if (!button || button.disabled) return;
    const action = button.dataset.action as string;
    const version = button.dataset.version;
    if (action === 'update' || action === 'redeploy') {
      void page.act(
        'POST',
        `/api/deployments/${page.id}/upgrade`,
        { version },
        `${action === 'update' ? 'Update' : 'Redeploy'} to ${version}`,
      );
    } else if (action === 'promote' || action === 'abort') {
      void page.act('POST', `/api/deployments/${page.id}/canary/${action}`, {}, `Canary ${action}`);
    } else if (action === 'preview-promote' || action === 'preview-abort') {
      const verb = action.slice('preview-'.length);
      void page.act('POST', `/api/deployments/${page.id}/${verb}`, {}, `Preview ${verb}`);
    } else if (['rollback', 'restart', 'suspend', 'resume', 'retry'].includes(action)) {
      void page.act('POST', `/api/deployments/${page.id}/${action}`, {}, action[0].toUpperCase() + action.slice(1));
    }
  });
  root.addEventListener('input', (ev) => {
    const input = ev.target as HTMLInputElement;
    if (input.name === 'confirm') (root.querySelector('#destroy') as HTMLButtonElement).disabled = input.value !== page.id;
  });
  root.addEventListener('submit', (ev) => {
    const form = ev.target as HTMLFormElement;
    const data = new FormData(form);
    if (form.id === 'upgrade-form') {
      ev.preventDefault();
      const body = { version: String(data.get('version')), strategy: String(data.get('strategy')) };
      void page.act('POST', `/api/deployments/${page.id}/upgrade`, body, `Upgrade to ${body.version} (${body.strategy})`);
    } else if (form.id === 'destroy-form') {
      ev.preventDefault();
      void page.act('POST', `/api/deployments/${page.id}/destroy`, { confirm: String(data.get('confirm')) }, 'Destroy');
    }
  });
}
