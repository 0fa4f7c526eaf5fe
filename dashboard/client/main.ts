import { session } from './api';
import { $, html, mount } from './html';
import { adminPage } from './pages/admin';
import { deploymentPage } from './pages/deployment';
import { deploymentsPage } from './pages/deployments';
import { rolloutsPage } from './pages/rollouts';
import { signInPage } from './pages/signIn';

/** A page draws into `main` and stops its streams and timers when `signal` aborts (navigation). */
export type Page = (main: HTMLElement, signal: AbortSignal, params: URLSearchParams) => void | Promise<void>;

const ROUTES: { pattern: RegExp; page: (m: RegExpExecArray) => Page; admin?: boolean }[] = [
  { pattern: /^\/deployments$/, page: () => deploymentsPage },
  { pattern: /^\/deployments\/(d-[a-z0-9]+)$/, page: (m) => deploymentPage(m[1]) },
  { pattern: /^\/admin$/, page: () => adminPage, admin: true },
  { pattern: /^\/rollouts$/, page: () => rolloutsPage, admin: true },
];

let current: AbortController | undefined;

function nav(): void {
  const role = session.role();
  mount(
    $('#nav'),
    role
      ? html`<a href="#/deployments">Deployments</a>
          ${role === 'admin' ? html`<a href="#/admin">Apps &amp; tokens</a><a href="#/rollouts">Fleet rollouts</a>` : ''}
          <a href="/docs">API</a>
          <span class="who">${role}</span>
          <button type="button" class="link" id="sign-out">Sign out</button>`
      : html`<a href="/docs">API</a>`,
  );
  document.getElementById('sign-out')?.addEventListener('click', () => signOut());
}

function signOut(): void {
  session.clear();
  location.hash = '#/signin';
  route();
}

function route(): void {
  current?.abort();
  current = new AbortController();
  const main = $('#main');
  nav();
  const [pathPart, query = ''] = location.hash.replace(/^#/, '').split('?');
  const params = new URLSearchParams(query);
  if (!session.token()) {
    void signInPage(main, current.signal, params);
    return;
  }
  for (const r of ROUTES) {
    const m = r.pattern.exec(pathPart);
    if (!m) continue;
    if (r.admin && session.role() !== 'admin') break;
    void r.page(m)(main, current.signal, params);
    return;
  }
  if (pathPart !== '/deployments') location.hash = '#/deployments';
}

window.addEventListener('hashchange', route);
// A 401 from any call: the token was revoked or mistyped; back to sign-in.
window.addEventListener('slipway:signed-out', signOut);
route();
