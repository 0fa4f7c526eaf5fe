import { when } from '../../format';
import { html, type Html } from '../../html';
import type { Deployment, Release } from '../../types';

/** The app's releases, newest first, marking what serves and what a rollback would go back to. */
export function versionsPanel(d: Deployment, releases: Release[]): Html {
  if (releases.length === 0) return html`<p class="muted">No releases.</p>`;
  return html`<table class="grid" id="versions">
    <thead>
      <tr>
        <th>Version</th>
        <th></th>
        <th>Published</th>
        <th></th>
      </tr>
    </thead>
    <tbody>
      ${releases.map((r) => {
        const serving = r.version === d.servingVersion;
        const previous = r.version === d.previousVersion;
        return html`<tr data-version="${r.version}">
          <td>${r.version}</td>
          <td>
            ${serving ? html`<span class="badge ok">serving</span>` : ''}${previous ? html`<span class="badge muted">previous</span>` : ''}${r.status === 'yanked' ? html`<span class="badge bad">yanked</span>` : ''}
          </td>
          <td class="small">${when(r.createdAt)}</td>
          <td>
            ${
              serving
                ? html`<button type="button" data-action="restart" class="small-button">Redeploy</button>`
                : r.status === 'active' && d.status !== 'destroyed'
                  ? html`<button type="button" data-action="redeploy" data-version="${r.version}" class="small-button">Redeploy</button>`
                  : ''
            }
          </td>
        </tr>`;
      })}
    </tbody>
  </table>`;
}
