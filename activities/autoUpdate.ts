import { derivedId } from '../api/ids';
import { latestActiveRelease } from '../db/queries/apps';
import { autoUpdateCandidates } from '../db/queries/autoUpdate';
import { insertItemOperations } from '../db/queries/massUpgrades';
import { newOperationRow } from '../db/operationRow';
import type { NewOperation } from '../db/schema';
import { autoUpdateDecision, WEEK_MS } from '../domain/autoUpdate';
import type { ActivityDeps } from './deps';

export interface AutoUpdatePlan {
  /** Operation rows are recorded; the workflow starts one upgrade per item. */
  items: { deploymentId: string; operationId: string; toVersion: string }[];
  skipped: { deploymentId: string; reason: string }[];
}

/** The same id for the same run and deployment: a retried activity inserts nothing twice. */
export const autoUpdateOperationId = (runKey: string, deploymentId: string) =>
  derivedId('op', 12, `auto_update\0${runKey}\0${deploymentId}`);

export function createAutoUpdateActivities(deps: ActivityDeps) {
  return {
    /**
     * One pass of the update watcher: every opted-in, unpaused deployment behind its app's
     * newest active release and under its weekly cap gets an upgrade operation row
     * (trigger auto_update). Only running deployments qualify: a failed or suspended one
     * waits for its tenant.
     */
    async prepareAutoUpdates(input: { runKey: string }): Promise<AutoUpdatePlan> {
      const since = new Date(deps.clock.now() - WEEK_MS);
      const candidates = await autoUpdateCandidates(deps.db, since);
      const newest = new Map<string, string | null>();
      const plan: AutoUpdatePlan = { items: [], skipped: [] };
      const rows: NewOperation[] = [];
      for (const d of candidates) {
        if (!newest.has(d.app_id)) newest.set(d.app_id, (await latestActiveRelease(deps.db, d.app_id))?.version ?? null);
        const decision = autoUpdateDecision(
          {
            enabled: d.auto_update_enabled,
            pausedAt: d.auto_update_paused_at,
            releaseVersion: d.release_version,
            canUpgrade: d.status === 'running',
            maxPerWeek: d.auto_update_max_per_week,
            updatesThisWeek: d.updates_since,
          },
          newest.get(d.app_id) ?? null,
        );
        if ('skip' in decision) {
          plan.skipped.push({ deploymentId: d.id, reason: decision.skip });
          continue;
        }
        const id = autoUpdateOperationId(input.runKey, d.id);
        rows.push(
          newOperationRow({
            id,
            deployment: d,
            kind: 'upgrade',
            trigger: 'auto_update',
            actor: 'auto-update',
            toVersion: decision.upgradeTo,
          }),
        );
        plan.items.push({ deploymentId: d.id, operationId: id, toVersion: decision.upgradeTo });
      }
      await insertItemOperations(deps.db, rows);
      if (plan.items.length > 0) deps.logger.info({ upgrades: plan.items.length, skipped: plan.skipped.length }, 'auto-update pass');
      return plan;
    },
  };
}
