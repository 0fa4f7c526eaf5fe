import { api, ApiFailure, session } from '../api';
import { explain } from '../format';
import { $, html, mount } from '../html';
import type { Page } from '../main';

/**
 * The token is checked against the API before it is kept: a tenant token can list
 * deployments, only an admin token can list tokens.
 */
export const signInPage: Page = (main) => {
  mount(
    main,
    html`<section class="card narrow">
      <h1>Sign in</h1>
      <p class="muted">
        Paste an API token: an admin token (<code>slw_adm_…</code>, from <code>.slipway/admin-token</code>) or a tenant token
        (<code>slw_tnt_…</code>).
      </p>
      <form id="sign-in">
        <label>Token <input name="token" type="password" autocomplete="off" required /></label>
        <button type="submit">Sign in</button>
      </form>
      <div id="sign-in-error"></div>
    </section>`,
  );
  $('#sign-in').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const token = String(new FormData(ev.target as HTMLFormElement).get('token') ?? '').trim();
    void (async () => {
      try {
        await api('GET', '/api/deployments?limit=1', undefined, token);
        const role = await api('GET', '/api/admin/tokens?limit=1', undefined, token).then(
          () => 'admin' as const,
          (e: unknown) => {
            if (e instanceof ApiFailure && e.status === 403) return 'tenant' as const;
            throw e;
          },
        );
        session.save(token, role);
        // Back to the page that asked for a sign-in (a shared link), else the list.
        const target = location.hash && location.hash !== '#/signin' ? location.hash : '#/deployments';
        if (location.hash === target) window.dispatchEvent(new HashChangeEvent('hashchange'));
        else location.hash = target;
      } catch (err) {
        mount($('#sign-in-error'), explain(err));
      }
    })();
  });
};
