import { api } from '../../api';
import { explain } from '../../format';
import { html, mount, type Html } from '../../html';
import type { EnvEntry } from '../../types';
import type { DeploymentPage } from './context';

function table(entries: EnvEntry[]): Html {
  return html`<table class="grid stack" id="env">
      <thead>
        <tr>
          <th>Name</th>
          <th>Value</th>
          <th>Source</th>
          <th></th>
        </tr>
      </thead>
      <tbody>
        ${
          entries.length === 0
            ? html`<tr>
                <td colspan="4" class="muted">No variables set.</td>
              </tr>`
            : entries.map(
                (e) =>
                  html`<tr data-key="${e.key}">
                    <td><code>${e.key}</code></td>
                    <td>
                      ${e.secret ? html`<span class="masked" title="secret: write-only">••••••••</span>` : html`<code>${e.value ?? ''}</code>`}
                    </td>
                    <td class="small">${e.source}${e.secret ? ', secret' : ''}</td>
                    <td>
                      ${e.source === 'tenant' ? html`<button type="button" class="small-button" data-unset="${e.key}">Unset</button>` : ''}
                    </td>
                  </tr>`,
              )
        }
      </tbody>
    </table>
    <form id="env-form" class="inline">
      <label>Name <input name="key" required pattern="[A-Za-z_][A-Za-z0-9_]*" size="14" /></label>
      <label>Value <input name="value" type="password" autocomplete="off" size="18" /></label>
      <label class="check"><input type="checkbox" name="secret" value="1" /> secret</label>
      <button type="submit">Set</button>
    </form>
    <p class="muted small">
      Secret values are write-only: they are never shown again, not even here. Setting a value restarts the deployment onto a new config
      revision (zero downtime).
    </p>`;
}

/** The env editor: plain values shown, secrets masked; a change is a PUT /env (an env_change restart). */
export function envPanel(el: HTMLElement, page: DeploymentPage): { reload(): Promise<void> } {
  const reload = async () => {
    try {
      const r = await api<{ env: EnvEntry[] }>('GET', `/api/deployments/${page.id}/env`);
      mount(el, table(r.env));
    } catch (err) {
      mount(el, explain(err));
    }
  };
  el.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const form = new FormData(ev.target as HTMLFormElement);
    const key = String(form.get('key')).trim();
    const body = { env: { [key]: String(form.get('value') ?? '') }, ...(form.get('secret') ? { secretEnv: [key] } : {}) };
    void page.act('PUT', `/api/deployments/${page.id}/env`, body, `Set ${key}`).then((ok) => (ok ? reload() : undefined));
  });
  el.addEventListener('click', (ev) => {
    const key = (ev.target as HTMLElement).closest<HTMLElement>('[data-unset]')?.dataset.unset;
    if (key)
      void page.act('PUT', `/api/deployments/${page.id}/env`, { unset: [key] }, `Unset ${key}`).then((ok) => (ok ? reload() : undefined));
  });
  return { reload };
}
