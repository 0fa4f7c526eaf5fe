import { api } from '../api';
import { badge, explain, when } from '../format';
import { $, html, mount, type Html } from '../html';
import type { Page } from '../main';
import type { App, DryRun, MassUpgrade, RolloutItem } from '../types';

export const ROLLOUT_POLL_MS = 1500;

function startForm(apps: App[]): Html {
  return html`<form id="rollout-form" class="filters">
    <label
      >App
      <select name="app" required>
        ${apps.map((a) => html`<option value="${a.slug}">${a.slug}</option>`)}
      </select></label
    >
    <label>Target version <input name="targetVersion" placeholder="newest" size="8" /></label>
    <label>Waves <input name="waves" value="1,10%,50%,100%" size="14" /></label>
    <label>Concurrency <input name="maxConcurrency" type="number" min="1" value="5" class="narrow-input" /></label>
    <label>Failure budget <input name="budget" type="number" min="0" value="0" class="narrow-input" /></label>
    <label>Bake (s) <input name="bakeSeconds" type="number" min="0" value="0" class="narrow-input" /></label>
    <button type="submit" name="mode" value="dry">Preview waves</button>
    <button type="submit" name="mode" value="start" class="primary">Start rollout</button>
  </form>`;
}

/** The body of POST /api/admin/mass-upgrades from the form; the API validates it and names any bad field. */
function optionsOf(form: FormData, dryRun: boolean): Record<string, unknown> {
  const waves = String(form.get('waves') ?? '')
    .split(',')
    .map((w) => w.trim())
    .filter(Boolean)
    .map((w) => (/^\d+$/.test(w) ? Number(w) : w));
  const target = String(form.get('targetVersion') ?? '').trim();
  return {
    app: String(form.get('app')),
    ...(target ? { targetVersion: target } : {}),
    ...(waves.length ? { waves } : {}),
    maxConcurrency: Number(form.get('maxConcurrency')),
    bakeSeconds: Number(form.get('bakeSeconds')),
    failureBudget: { count: Number(form.get('budget')) },
    dryRun,
  };
}

function preview(plan: DryRun): Html {
  return html`<div id="dry-run">
    <h3>Dry run: ${plan.total} deployment${plan.total === 1 ? '' : 's'} of ${plan.app} to ${plan.targetVersion}</h3>
    ${plan.waves.length === 0 ? html`<p class="muted">Nothing to upgrade: every deployment already runs ${plan.targetVersion}.</p>` : ''}
    <ol class="waves">
      ${plan.waves.map(
        (w) =>
          html`<li>
            <strong>Wave ${w.wave}</strong>: ${w.size} deployment${w.size === 1 ? '' : 's'}
            <span class="muted small">${w.deployments.map((d) => `${d.id} (${d.tenantId}, ${d.fromVersion})`).join(', ')}</span>
          </li>`,
      )}
    </ol>
  </div>`;
}

function progressBar(m: MassUpgrade): Html {
  const c = m.progress?.counts;
  const done = c ? c.succeeded + c.failed + c.skipped : 0;
  return html`<div class="progress">
    <div class="meter"><div class="fill" data-width="${c && c.total ? (done / c.total) * 100 : 0}"></div></div>
    <span class="small muted">${done}/${c?.total ?? '?'}</span>
  </div>`;
}

function rolloutList(list: MassUpgrade[], selected: string | null): Html {
  if (list.length === 0) return html`<p class="muted">No rollouts yet.</p>`;
  return html`<table class="grid stack" id="rollouts">
    <thead>
      <tr>
        <th>Rollout</th>
        <th>App → version</th>
        <th>Status</th>
        <th>Progress</th>
        <th>Wave</th>
        <th>Started</th>
      </tr>
    </thead>
    <tbody>
      ${list.map(
        (m) =>
          html`<tr data-rollout="${m.id}" class="clickable ${m.id === selected ? 'selected' : ''}">
            <td><a href="#" data-rollout="${m.id}">${m.id}</a></td>
            <td>${m.app} → ${m.targetVersion}</td>
            <td>${badge(m.status)}</td>
            <td>${progressBar(m)}</td>
            <td>${m.progress ? `${m.progress.currentWave}/${m.progress.waves}` : '–'}</td>
            <td class="small">${when(m.createdAt)}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

function detail(m: MassUpgrade, items: RolloutItem[]): Html {
  const p = m.progress;
  const waves = new Map<number, Map<string, number>>();
  for (const i of items) {
    const w = waves.get(i.wave) ?? new Map<string, number>();
    w.set(i.state, (w.get(i.state) ?? 0) + 1);
    waves.set(i.wave, w);
  }
  const finished = ['halted', 'cancelled', 'completed'].includes(m.status);
  return html`<div id="rollout-detail">
    <div class="title-row">
      <h3>${m.id}: ${m.app} → ${m.targetVersion}</h3>
      ${badge(m.status)}
    </div>
    ${p ? html`<p>${p.counts.succeeded}/${p.counts.total} upgraded, ${p.counts.failed} failed, ${p.counts.inFlight} in flight, ${p.counts.pending} pending, wave ${p.currentWave}/${p.waves}${p.nextWaveAt ? `, next wave at ${when(p.nextWaveAt)}` : ''}</p>` : ''}
    ${m.haltReason ? html`<div class="error">Halted: ${m.haltReason}</div>` : ''}
    <div class="buttons">
      <button type="button" data-steer="pause" ${m.status === 'running' || m.status === 'baking' ? '' : 'disabled'}>Pause</button>
      <button type="button" data-steer="resume" ${m.status === 'paused' ? '' : 'disabled'}>Resume</button>
      <button type="button" data-steer="cancel" class="danger" ${finished ? 'disabled' : ''}>Cancel</button>
    </div>
    <table class="grid" id="waves">
      <thead>
        <tr>
          <th>Wave</th>
          <th>Size</th>
          <th>Counts by state</th>
        </tr>
      </thead>
      <tbody>
        ${[...waves.entries()].map(
          ([wave, states]) =>
            html`<tr data-wave="${wave}">
              <td>${wave}</td>
              <td class="num">${[...states.values()].reduce((a, b) => a + b, 0)}</td>
              <td>${[...states.entries()].map(([s, n]) => html`${badge(s)} ${n} `)}</td>
            </tr>`,
        )}
      </tbody>
    </table>
    ${
      p && p.failures.length > 0
        ? html`<h4>Failures</h4>
            <ul class="failures">
              ${p.failures.map((f) => html`<li><a href="#/deployments/${f.deploymentId}">${f.deploymentId}</a> ${f.operationId}: <strong>${f.errorType}</strong> ${f.message}</li>`)}
            </ul>`
        : ''
    }
  </div>`;
}

/** Fleet rollouts: preview the waves, start, follow per-wave progress, pause / resume / cancel. */
export const rolloutsPage: Page = async (main, signal) => {
  mount(
    main,
    html`<section class="card">
        <h1>Fleet rollouts</h1>
        <div id="rollout-start"></div>
        <div id="rollout-flash"></div>
        <div id="rollout-preview"></div>
      </section>
      <section class="card">
        <h2>Rollouts</h2>
        <div id="rollout-list"></div>
        <div id="rollout-view"></div>
      </section>`,
  );
  let selected: string | null = null;
  const flash = (h: Html) => mount($('#rollout-flash', main), h);
  try {
    const { apps } = await api<{ apps: App[] }>('GET', '/api/apps?limit=500');
    mount($('#rollout-start', main), startForm(apps));
  } catch (err) {
    flash(explain(err));
  }

  const refresh = async () => {
    try {
      const [{ massUpgrades }, one] = await Promise.all([
        api<{ massUpgrades: MassUpgrade[] }>('GET', '/api/admin/mass-upgrades?limit=20'),
        selected
          ? Promise.all([
              api<MassUpgrade>('GET', `/api/admin/mass-upgrades/${selected}`),
              api<{ items: RolloutItem[] }>('GET', `/api/admin/mass-upgrades/${selected}/items?limit=500`),
            ])
          : null,
      ]);
      if (signal.aborted) return;
      // The list shows stored rows; the selected rollout's live status (its workflow's answer) wins over its row.
      const list = one ? massUpgrades.map((m) => (m.id === one[0].id ? one[0] : m)) : massUpgrades;
      mount($('#rollout-list', main), rolloutList(list, selected));
      if (one) mount($('#rollout-view', main), detail(one[0], one[1].items));
      // Widths from data go through the DOM: the page allows no inline styles.
      main.querySelectorAll<HTMLElement>('.fill[data-width]').forEach((f) => (f.style.width = `${Number(f.dataset.width)}%`));
    } catch (err) {
      if (!signal.aborted) flash(explain(err));
    }
  };
  const poll = async () => {
    await refresh();
    if (!signal.aborted) setTimeout(() => void poll(), ROLLOUT_POLL_MS);
  };

  main.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const submitter = (ev as SubmitEvent).submitter as HTMLButtonElement | null;
    const dry = submitter?.value !== 'start';
    const body = optionsOf(new FormData(ev.target as HTMLFormElement), dry);
    void (async () => {
      try {
        if (dry) {
          mount($('#rollout-preview', main), preview(await api<DryRun>('POST', '/api/admin/mass-upgrades', body)));
          flash(html``);
        } else {
          const started = await api<MassUpgrade>('POST', '/api/admin/mass-upgrades', body);
          selected = started.id;
          flash(html`<div class="notice" role="status">Rollout ${started.id} started.</div>`);
          await refresh();
        }
      } catch (err) {
        flash(explain(err));
      }
    })();
  });
  main.addEventListener('click', (ev) => {
    const target = ev.target as HTMLElement;
    const rollout = target.closest<HTMLElement>('[data-rollout]')?.dataset.rollout;
    if (rollout) {
      ev.preventDefault();
      selected = rollout;
      void refresh();
      return;
    }
    const steer = target.closest<HTMLButtonElement>('button[data-steer]');
    if (!steer || !selected) return;
    void (async () => {
      try {
        await api('POST', `/api/admin/mass-upgrades/${selected}/${steer.dataset.steer}`, {});
        flash(html`<div class="notice" role="status">${steer.dataset.steer} sent to ${selected}.</div>`);
        await refresh();
      } catch (err) {
        flash(explain(err));
      }
    })();
  });
  await poll();
};
