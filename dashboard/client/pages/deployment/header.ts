import { badge, strategyName, when } from '../../format';
import { html, type Html } from '../../html';
import type { Deployment } from '../../types';

export function header(d: Deployment): Html {
  return html`<div class="title-row">
      <h1>${d.name}</h1>
      ${badge(d.status)}${d.progress > 0 && d.progress < 100 ? html`<span class="muted">${d.progress}%</span>` : ''}
    </div>
    <dl class="facts">
      <dt>App</dt>
      <dd>${d.app}</dd>
      <dt>Tenant</dt>
      <dd>${d.tenantId}</dd>
      <dt>Serving</dt>
      <dd id="serving-version">${d.servingVersion ?? '–'}</dd>
      <dt>Previous</dt>
      <dd>${d.previousVersion ?? '–'}</dd>
      <dt>Release</dt>
      <dd>${d.releaseVersion}</dd>
      <dt>Strategy</dt>
      <dd>${strategyName(d.strategy)} × ${d.replicas}</dd>
      <dt>Config revision</dt>
      <dd>${d.configRevision}</dd>
      <dt>URL</dt>
      <dd><a href="${d.url}" rel="noreferrer">${d.url}</a></dd>
      <dt>Updated</dt>
      <dd>${when(d.updatedAt)}</dd>
    </dl>
    ${d.lastError ? html`<div class="error">Last error: ${d.lastError}</div>` : ''}`;
}

/**
 * The banner a tenant sees first: a previewed upgrade waiting for its decision, else a newer
 * release than this deployment runs.
 */
export function updateBanner(d: Deployment): Html {
  if (d.status === 'awaiting_promotion' && d.preview) return previewBanner(d, d.preview);
  if (!d.updateAvailable || d.status === 'destroyed') return html``;
  return html`<div class="banner" id="update-banner">
    <span><strong>Update available:</strong> ${d.app} ${d.updateAvailable.version} (this deployment runs ${d.releaseVersion})</span>
    <button type="button" data-action="update" data-version="${d.updateAvailable.version}">Update to ${d.updateAvailable.version}</button>
  </div>`;
}

/** Until promoted the preview serves only its own hostname; the deployment's URL still gets the old version. */
function previewBanner(d: Deployment, preview: NonNullable<Deployment['preview']>): Html {
  return html`<div class="banner" id="preview-banner">
    <span
      ><strong>Preview waiting:</strong> the new revision runs at
      <a href="${preview.url}" rel="noreferrer" id="preview-url">${preview.url}</a>; ${d.url} still serves
      ${d.servingVersion ?? '–'}${preview.expiresAt ? html`. Aborts by itself ${when(preview.expiresAt)}` : ''}.</span
    >
    <button type="button" data-action="preview-promote">Promote preview</button>
    <button type="button" data-action="preview-abort" class="danger">Abort preview</button>
  </div>`;
}
