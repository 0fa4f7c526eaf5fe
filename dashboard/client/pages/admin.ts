import { api } from '../api';
import { explain, when } from '../format';
import { $, html, mount, type Html } from '../html';
import type { Page } from '../main';
import type { App, Release, Token } from '../types';

function appsTable(apps: App[], releases: Map<string, Release[]>): Html {
  if (apps.length === 0)
    return html`<p class="muted">No apps yet. Create one with <code>POST /api/apps</code> (see <a href="/docs">/docs</a>).</p>`;
  return html`<table class="grid stack" id="apps">
    <thead>
      <tr>
        <th>App</th>
        <th>Name</th>
        <th>Releases (newest first)</th>
        <th>Created</th>
      </tr>
    </thead>
    <tbody>
      ${apps.map(
        (a) =>
          html`<tr data-app="${a.slug}">
            <td><a href="#/deployments?app=${encodeURIComponent(a.slug)}">${a.slug}</a></td>
            <td>${a.name}</td>
            <td>
              ${(releases.get(a.slug) ?? []).map((r) => html`<span class="badge ${r.status === 'active' ? 'ok' : 'bad'}" title="${r.artifactDigest}">${r.version}</span> `)}
            </td>
            <td class="small">${when(a.createdAt)}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

function tokensTable(tokens: Token[]): Html {
  return html`<table class="grid stack" id="tokens">
    <thead>
      <tr>
        <th>Id</th>
        <th>Name</th>
        <th>Role</th>
        <th>Tenant</th>
        <th>Created</th>
        <th>Revoked</th>
        <th></th>
      </tr>
    </thead>
    <tbody>
      ${tokens.map(
        (t) =>
          html`<tr data-token="${t.id}">
            <td>${t.id}</td>
            <td>${t.name}</td>
            <td>${t.role}</td>
            <td>${t.tenantId ?? '–'}</td>
            <td class="small">${when(t.createdAt)}</td>
            <td class="small">${when(t.revokedAt)}</td>
            <td>${t.revokedAt ? '' : html`<button type="button" class="small-button danger" data-revoke="${t.id}">Revoke</button>`}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

const tokenForm = html`<form id="token-form" class="inline">
  <label>Name <input name="name" required size="14" /></label>
  <label
    >Role
    <select name="role">
      <option value="tenant">tenant</option>
      <option value="admin">admin</option>
    </select></label
  >
  <label>Tenant <input name="tenantId" size="16" placeholder="for tenant tokens" /></label>
  <button type="submit">Create token</button>
</form>`;

/** Admin: the catalog (apps and their releases) and API tokens. */
export const adminPage: Page = async (main) => {
  mount(
    main,
    html`<section class="card">
        <h1>Apps and releases</h1>
        <div id="apps-panel"></div>
      </section>
      <section class="card">
        <h1>Tokens</h1>
        <div id="token-flash"></div>
        ${tokenForm}
        <div id="tokens-panel"></div>
      </section>`,
  );
  const loadApps = async () => {
    try {
      const { apps } = await api<{ apps: App[] }>('GET', '/api/apps?limit=100');
      const releases = new Map(
        await Promise.all(
          apps.map(
            async (a) =>
              [
                a.slug,
                (await api<{ releases: Release[] }>('GET', `/api/apps/${encodeURIComponent(a.slug)}/releases?limit=20`)).releases,
              ] as const,
          ),
        ),
      );
      mount($('#apps-panel', main), appsTable(apps, releases));
    } catch (err) {
      mount($('#apps-panel', main), explain(err));
    }
  };
  const loadTokens = async () => {
    try {
      const { tokens } = await api<{ tokens: Token[] }>('GET', '/api/admin/tokens?limit=200');
      mount($('#tokens-panel', main), tokensTable(tokens));
    } catch (err) {
      mount($('#tokens-panel', main), explain(err));
    }
  };
  $('#token-form', main).addEventListener('submit', (ev) => {
    ev.preventDefault();
    const form = ev.target as HTMLFormElement;
    const data = new FormData(form);
    const tenantId = String(data.get('tenantId') ?? '').trim();
    const body = { name: String(data.get('name')).trim(), role: String(data.get('role')), ...(tenantId ? { tenantId } : {}) };
    void (async () => {
      try {
        const created = await api<Token & { token: string | null }>('POST', '/api/admin/tokens', body);
        form.reset();
        // Shown once, here only: the API keeps only its hash.
        mount(
          $('#token-flash', main),
          html`<div class="notice" role="status">
            Token <strong>${created.name}</strong> created. Copy it now; it is not shown again:
            <pre id="new-token">${created.token ?? ''}</pre>
          </div>`,
        );
        await loadTokens();
      } catch (err) {
        mount($('#token-flash', main), explain(err));
      }
    })();
  });
  main.addEventListener('click', (ev) => {
    const id = (ev.target as HTMLElement).closest<HTMLElement>('[data-revoke]')?.dataset.revoke;
    if (!id) return;
    void (async () => {
      try {
        await api('DELETE', `/api/admin/tokens/${id}`);
        mount($('#token-flash', main), html`<div class="notice" role="status">Token ${id} revoked; its open streams were ended.</div>`);
        await loadTokens();
      } catch (err) {
        mount($('#token-flash', main), explain(err));
      }
    })();
  });
  await Promise.all([loadApps(), loadTokens()]);
};
