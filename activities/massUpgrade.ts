import { createHash } from 'node:crypto';
import {
  deletePendingOperation,
  deploymentsByIds,
  endedOperations,
  findMassUpgrade,
  insertItemOperations,
  planFleetRollout,
  updateMassUpgrade,
  wavePage,
  type EndedOperation,
} from '../db/queries/massUpgrades';
import type { NewOperation } from '../db/schema';
import { FailureType } from '../domain/failures';
import type { MassUpgradeProgress, MassUpgradeStatus } from '../domain/massUpgrade/progress';
import { exclusionReason } from '../domain/massUpgrade/selection';
import type { OperationKind } from '../domain/operations';
import type { ActivityDeps } from './deps';
import { nonRetryable } from './failure';
import { newOperationRow } from '../db/operationRow';
import { massUpgradeEventFor } from '../domain/notifications/events';
import { emitMassUpgradeEvent } from '../notifications/emit';

export interface PreparedItem {
  deploymentId: string;
  attempt: number;
  /** Set when the operation row is there and its child may start. */
  operationId?: string;
  kind?: OperationKind;
  /** Set when the deployment no longer needs (or allows) the upgrade. */
  skipped?: string;
}

/**
 * The same id every time for the same rollout, deployment and attempt: a retried activity
 * finds the row its first attempt inserted instead of inserting a second one.
 */
export function itemOperationId(massUpgradeId: string, deploymentId: string, attempt: number, kind: string): string {
  const alphabet = 'abcdefghijkmnpqrstuvwxyz23456789';
  const bytes = createHash('sha256')
    .update(`mass_upgrade\u0000${massUpgradeId}\u0000${deploymentId}\u0000${attempt}\u0000${kind}`)
    .digest();
  let s = '';
  for (const b of bytes.subarray(0, 12)) s += alphabet[b % alphabet.length];
  return `op-${s}`;
}

export function createMassUpgradeActivities(deps: ActivityDeps) {
  const load = async (id: string) => {
    const row = await findMassUpgrade(deps.db, id);
    if (!row) throw nonRetryable(FailureType.DeploymentNotFound, `mass upgrade ${id} does not exist`);
    return row;
  };

  return {
    /**
     * Cuts the waves once and stores them on the row; a retried or repeated call returns
     * the stored plan, so a rollout never re-plans under its own feet.
     */
    async planMassUpgrade(input: { massUpgradeId: string }): Promise<{ waveSizes: number[] }> {
      const row = await load(input.massUpgradeId);
      // The first activity of every rollout: its start is announced here (the event's id is
      // fixed per rollout, so a repeat after continue-as-new or a retry sends nothing twice).
      await emitMassUpgradeEvent(deps.db, 'mass_upgrade.started', row.id);
      if (row.plan?.waves) return { waveSizes: row.plan.waves.map((w) => w.length) };
      const { waves } = await planFleetRollout(deps.db, row.app_id, row.target_version, row.options);
      await updateMassUpgrade(deps.db, row.id, { plan: { waves } });
      return { waveSizes: waves.map((w) => w.length) };
    },

    /** One page of a wave's ids: the workflow never carries the whole fleet in its history. */
    async loadWavePage(input: { massUpgradeId: string; wave: number; offset: number; limit: number }): Promise<string[]> {
      return wavePage(deps.db, input.massUpgradeId, input);
    },

    /**
     * Records one operation row per deployment (trigger mass_upgrade, the rollout's id) before
     * its child starts, or says why the deployment is skipped now (moved to the target by its
     * tenant, suspended since planning, destroyed).
     */
    async prepareItems(input: { massUpgradeId: string; items: { deploymentId: string; attempt: number }[] }): Promise<PreparedItem[]> {
      const row = await load(input.massUpgradeId);
      const options = row.options;
      const byId = new Map(
        (
          await deploymentsByIds(
            deps.db,
            input.items.map((i) => i.deploymentId),
          )
        ).map((d) => [d.id, d]),
      );
      const out: PreparedItem[] = [];
      const rows: NewOperation[] = [];
      for (const item of input.items) {
        const d = byId.get(item.deploymentId);
        if (!d) {
          out.push({ ...item, skipped: 'deployment no longer exists' });
          continue;
        }
        const why = exclusionReason(
          { id: d.id, tenantId: d.tenant_id, status: d.status, releaseVersion: d.release_version, servingVersion: d.serving_version },
          { targetVersion: row.target_version, suspended: options.suspended },
        );
        if (why) {
          out.push({ ...item, skipped: why });
          continue;
        }
        const id = itemOperationId(row.id, d.id, item.attempt, 'upgrade');
        rows.push(
          newOperationRow({
            id,
            deployment: d,
            kind: 'upgrade',
            trigger: 'mass_upgrade',
            actor: row.actor,
            toVersion: row.target_version,
            strategy: options.strategy,
            massUpgradeId: row.id,
          }),
        );
        out.push({ ...item, operationId: id, kind: 'upgrade' });
      }
      await insertItemOperations(deps.db, rows);
      return out;
    },

    /**
     * After a failed upgrade: back to what served before. A deployment whose serving version
     * moved to the target gets a rollback; one still serving its old version (the usual case:
     * the new revision never took traffic) gets a restart of it, which clears the failure.
     */
    async prepareRollback(input: { massUpgradeId: string; deploymentId: string; attempt: number }): Promise<PreparedItem> {
      const row = await load(input.massUpgradeId);
      const [d] = await deploymentsByIds(deps.db, [input.deploymentId]);
      const base = { deploymentId: input.deploymentId, attempt: input.attempt };
      if (!d) return { ...base, skipped: 'deployment no longer exists' };
      const moved = d.serving_version === row.target_version && d.previous_version !== null;
      const kind: OperationKind = moved ? 'rollback' : 'restart';
      if (!moved && (d.serving_version === null || d.status !== 'failed'))
        return { ...base, skipped: `nothing to roll back (${d.status}, serving ${d.serving_version ?? 'nothing'})` };
      const id = itemOperationId(row.id, d.id, input.attempt, kind);
      const to = moved ? d.previous_version : d.serving_version;
      await insertItemOperations(deps.db, [
        newOperationRow({ id, deployment: d, kind, trigger: 'mass_upgrade', actor: row.actor, toVersion: to, massUpgradeId: row.id }),
      ]);
      return { ...base, operationId: id, kind };
    },

    /** The deployment was busy: its child never started, so its row goes (as the API does on a 409). */
    async releaseItem(input: { operationId: string }): Promise<void> {
      await deletePendingOperation(deps.db, input.operationId);
    },

    /** Outcomes of operations that already ended: a safety net for a lost completion signal. */
    async checkOperations(input: { operationIds: string[] }): Promise<EndedOperation[]> {
      return endedOperations(deps.db, input.operationIds);
    },

    /** A progress snapshot for the API and the CLI, throttled by the workflow. */
    async recordMassUpgrade(input: {
      massUpgradeId: string;
      status: MassUpgradeStatus;
      progress: MassUpgradeProgress;
      haltReason: string | null;
      finished: boolean;
    }): Promise<void> {
      await deps.db.transaction().execute(async (trx) => {
        const before = await findMassUpgrade(trx, input.massUpgradeId);
        await updateMassUpgrade(trx, input.massUpgradeId, {
          status: input.status,
          progress: input.progress,
          haltReason: input.haltReason,
          finished: input.finished,
        });
        const event = massUpgradeEventFor(before?.status ?? null, input.status);
        if (event && event !== 'mass_upgrade.started') await emitMassUpgradeEvent(trx, event, input.massUpgradeId);
      });
    },
  };
}
