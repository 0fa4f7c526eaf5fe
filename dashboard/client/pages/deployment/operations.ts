import { api, follow } from '../../api';
import { badge, duration, explain, when } from '../../format';
import { $, html, mount, type Html } from '../../html';
import type { LogLine, Operation } from '../../types';

const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);

export function operationsTable(ops: Operation[], selected: string | null): Html {
  if (ops.length === 0) return html`<p class="muted">No operations yet.</p>`;
  return html`<div class="scroll">
    <table class="grid stack" id="operations">
      <thead>
        <tr>
          <th>Operation</th>
          <th>Kind</th>
          <th>Trigger</th>
          <th>Actor</th>
          <th>From → to</th>
          <th>Config</th>
          <th>Status</th>
          <th>Duration</th>
          <th>Error</th>
        </tr>
      </thead>
      <tbody>
        ${ops.map(
          (o) =>
            html`<tr data-op="${o.id}" class="${o.id === selected ? 'selected' : ''} clickable">
              <td>
                <a href="#" data-op="${o.id}">${o.id}</a>
                <div class="muted small">${when(o.createdAt)}</div>
              </td>
              <td>${o.kind}</td>
              <td>${o.trigger}</td>
              <td>${o.actor}</td>
              <td>${o.fromVersion ?? '–'} → ${o.toVersion ?? '–'}</td>
              <td class="num">${o.configRevision}</td>
              <td>${badge(o.status)}${o.status === 'running' && o.phase ? html` <span class="muted small">${o.phase}</span>` : ''}</td>
              <td>${duration(o.durationMs)}</td>
              <td class="small">${o.error ? html`<strong>${o.error.type}</strong> ${o.error.message ?? ''}` : ''}</td>
            </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}

interface PhaseStep {
  phase: string;
  at: string;
  state: 'done' | 'current' | 'failed';
}

/** Phases in the order the log first mentions them; the last one is current while the operation runs. */
export function phaseSteps(op: Operation, lines: LogLine[]): PhaseStep[] {
  const steps: PhaseStep[] = [];
  for (const l of lines) if (!steps.some((s) => s.phase === l.phase)) steps.push({ phase: l.phase, at: l.at, state: 'done' });
  const last = steps[steps.length - 1];
  if (last && (op.status === 'running' || op.status === 'pending')) last.state = 'current';
  if (last && op.status === 'failed') last.state = 'failed';
  return steps;
}

function detail(op: Operation, lines: LogLine[], live: boolean): Html {
  return html`<div class="title-row" data-op-id="${op.id}">
      <h3>${op.kind} ${op.id}</h3>
      ${badge(op.status)}${live ? html`<span class="live">● streaming</span>` : ''}
    </div>
    <ol class="timeline" id="phases">
      ${phaseSteps(op, lines).map(
        (s) =>
          html`<li class="${s.state}" data-phase="${s.phase}">
            <span>${s.phase}</span><span class="muted small">${when(s.at).slice(11)}</span>
          </li>`,
      )}
    </ol>
    ${op.error ? html`<div class="error"><strong>${op.error.type}</strong>: ${op.error.message ?? ''}</div>` : ''}
    <pre class="logs" id="logs">
${lines.map((l) => html`<span class="line ${l.level}">${when(l.at).slice(11)} [${l.phase}] ${l.message}</span>`)}</pre>`;
}

/**
 * One operation: its phase timeline and log, streamed while it runs (the API's SSE log
 * stream), then its final row. Returns a function that stops the stream.
 */
export function showOperation(el: HTMLElement, id: string, signal: AbortSignal, onEnd: () => void): () => void {
  const stop = new AbortController();
  signal.addEventListener('abort', () => stop.abort());
  const lines: LogLine[] = [];
  void (async () => {
    try {
      let op = await api<Operation>('GET', `/api/operations/${id}`);
      const draw = (live: boolean) => {
        if (stop.signal.aborted) return;
        mount(el, detail(op, lines, live));
        const logs = document.getElementById('logs');
        if (logs) logs.scrollTop = logs.scrollHeight;
      };
      if (TERMINAL.has(op.status)) {
        // Finished: its whole log in one page, drawn once (no moment showing "succeeded" without its phases).
        lines.push(...(await api<{ logs: LogLine[] }>('GET', `/api/operations/${id}/logs?limit=500`)).logs);
        draw(false);
        return;
      }
      draw(true);
      await follow(
        `/api/operations/${id}/logs?follow=1`,
        (e) => {
          if (e.event !== 'log') return;
          const line = JSON.parse(e.data) as LogLine;
          const newPhase = !lines.some((l) => l.phase === line.phase);
          lines.push(line);
          draw(true);
          // Status and phase move with the phases: read the row again once per phase, not per line.
          // A terminal row read mid-stream waits for the stream's end: the row can finish before
          // its last lines arrive, and "succeeded" must not show without its final phases.
          if (newPhase)
            void api<Operation>('GET', `/api/operations/${id}`).then((o) => {
              if (TERMINAL.has(op.status) || TERMINAL.has(o.status)) return;
              op = o;
              draw(true);
            });
        },
        stop.signal,
      );
      op = await api<Operation>('GET', `/api/operations/${id}`);
      draw(false);
      onEnd();
    } catch (err) {
      if (!stop.signal.aborted) mount(el, explain(err));
    }
  })();
  return () => stop.abort();
}

export function wireOperations(root: HTMLElement, select: (id: string) => void): void {
  root.addEventListener('click', (ev) => {
    const target = (ev.target as HTMLElement).closest<HTMLElement>('[data-op]');
    if (!target || !$('#operations-panel').contains(target)) return;
    ev.preventDefault();
    select(target.dataset.op as string);
  });
}
