import { WorkflowNotFoundError } from '@temporalio/client';
import { findAppBySlug, findRelease, latestActiveRelease } from '../db/queries/apps';
import {
  activeMassUpgradeForApp,
  appSlugs,
  findMassUpgrade,
  insertMassUpgrade,
  planFleetRollout,
  updateMassUpgrade,
  type MassUpgrade,
} from '../db/queries/massUpgrades';
import { listMassUpgradesPage, listRolloutItemsPage } from '../db/queries/massUpgradeList';
import type { PageRequest } from '../db/queries/keyset';
import type { MassUpgradeOptions } from '../domain/massUpgrade/options';
import { FINISHED_STATUSES } from '../domain/massUpgrade/progress';
import { currentVersion } from '../domain/massUpgrade/selection';
import { massUpgradeWorkflow } from '../workflows/massUpgrade';
import { rolloutTaskQueue } from '../contract/taskQueues';
import { cancelSignal, pauseSignal, resumeSignal } from '../workflows/massUpgradeSignals';
import type { ApiContext } from './context';
import { badRequest, conflict, notFound } from './errors';
import { newId } from './ids';

const massUpgradeWorkflowId = (id: string) => `mass-upgrade-${id}`;

export type SteerAction = 'pause' | 'resume' | 'cancel';

/**
 * Fleet rollouts for the API: plans and starts them, steers them by signal and reads their
 * progress from the row the rollout writes (every 2 s and at each change of status). Not by
 * query: a query that reaches a rollout while one of its local activities runs makes the
 * worker (SDK 1.24) end the workflow task early, and the next local activity's marker then
 * lands after events that arrived meanwhile, a history its own replay got wrong ("No command
 * scheduled for event … TimerStarted", seen under bench:fleet polling). Routes parse and
 * answer; everything between is here.
 */
export function createMassUpgradeService(ctx: ApiContext) {
  const client = ctx.temporal.client;

  const isRunning = async (workflowId: string): Promise<boolean> => {
    try {
      return (await client.workflow.getHandle(workflowId).describe()).status.name === 'RUNNING';
    } catch {
      return false;
    }
  };

  /**
   * The rollout the row calls active, unless its workflow is gone (ended, or terminated by
   * hand): that never blocks the app. A rollout writes its final status before its workflow
   * returns, so a row still active means the rollout still runs.
   */
  const stillActive = async (m: MassUpgrade | null): Promise<MassUpgrade | null> => (m && (await isRunning(m.workflow_id)) ? m : null);

  const present = async (m: MassUpgrade, slug: string | undefined, opts: { plan?: boolean } = {}) => {
    const progress = m.progress;
    return {
      id: m.id,
      app: slug ?? '',
      targetVersion: m.target_version,
      status: progress?.status ?? m.status,
      haltReason: progress?.haltReason ?? m.halt_reason,
      actor: m.actor,
      workflowId: m.workflow_id,
      options: m.options,
      progress,
      ...(opts.plan ? { plan: m.plan?.waves ?? [] } : {}),
      createdAt: m.created_at,
      updatedAt: m.updated_at,
      finishedAt: m.finished_at,
    };
  };

  const presentWithSlug = async (m: MassUpgrade, opts: { plan?: boolean } = {}) => present(m, (await appSlugs(ctx.db)).get(m.app_id), opts);

  const load = async (id: string): Promise<MassUpgrade> => {
    const m = await findMassUpgrade(ctx.db, id);
    if (!m) throw notFound(`mass upgrade ${id}`);
    return m;
  };

  /** The release a rollout moves to: the one asked for, else the app's newest active one. */
  const targetRelease = async (options: MassUpgradeOptions) => {
    const app = await findAppBySlug(ctx.db, options.app);
    if (!app) throw badRequest(`app ${options.app} does not exist`, [{ field: 'body.app', message: 'no such app' }]);
    const release = options.targetVersion
      ? await findRelease(ctx.db, app.id, options.targetVersion)
      : await latestActiveRelease(ctx.db, app.id);
    if (!release)
      throw badRequest(`no release ${options.targetVersion ?? '(none published yet)'} of ${options.app}`, [
        { field: 'body.targetVersion', message: 'no such release' },
      ]);
    if (release.status !== 'active')
      throw badRequest(`release ${release.version} is ${release.status}`, [
        { field: 'body.targetVersion', message: `release is ${release.status}` },
      ]);
    return { app, release };
  };

  return {
    /**
     * Plans the rollout; with dryRun only shows the plan (200), else stores it and starts the
     * workflow (202). A repeated request with the same idempotent id answers with the first.
     */
    async start(options: MassUpgradeOptions, who: { actor: string; idempotentId?: string }): Promise<{ status: 200 | 202; body: unknown }> {
      const { app, release } = await targetRelease(options);
      const id = who.idempotentId ?? `mu-${newId('d', 10).slice(2)}`;
      const earlier = who.idempotentId ? await findMassUpgrade(ctx.db, id) : null;
      if (earlier) return { status: 202, body: await present(earlier, app.slug) };

      const { waves, facts } = await planFleetRollout(ctx.db, app.id, release.version, options);
      if (options.dryRun) {
        return {
          status: 200,
          body: {
            dryRun: true,
            app: app.slug,
            targetVersion: release.version,
            total: waves.reduce((n, w) => n + w.length, 0),
            waves: waves.map((w, i) => ({
              wave: i + 1,
              size: w.length,
              deployments: w.map((d) => {
                const f = facts.get(d)!;
                return { id: d, tenantId: f.tenantId, fromVersion: currentVersion(f), status: f.status };
              }),
            })),
            options,
          },
        };
      }
      const active = await stillActive(await activeMassUpgradeForApp(ctx.db, app.id));
      if (active)
        throw conflict(
          'mass_upgrade_in_progress',
          `mass upgrade ${active.id} of ${app.slug} is ${active.status}; cancel it or wait for it to end`,
          { massUpgradeId: active.id },
        );

      const workflowId = massUpgradeWorkflowId(id);
      const row = await insertMassUpgrade(ctx.db, {
        id,
        appId: app.id,
        targetVersion: release.version,
        options,
        workflowId,
        actor: who.actor,
      });
      // Stored now, so the run acts on exactly the plan a dry run just showed.
      await updateMassUpgrade(ctx.db, id, { plan: { waves } });
      try {
        // Started by reference: the function's name is the workflow type, so a rename breaks the build.
        await client.workflow.start(massUpgradeWorkflow, {
          taskQueue: rolloutTaskQueue(ctx.temporal.taskQueue),
          workflowId,
          args: [{ massUpgradeId: id, targetVersion: release.version, options, itemTaskQueue: ctx.temporal.taskQueue }],
          workflowIdConflictPolicy: 'USE_EXISTING',
        });
      } catch (err) {
        await updateMassUpgrade(ctx.db, id, {
          status: 'cancelled',
          haltReason: 'the workflow engine did not accept the rollout',
          finished: true,
        });
        throw err;
      }
      return { status: 202, body: await present({ ...row, plan: { waves } }, app.slug) };
    },

    /** One page of rollouts, newest first; an unknown app slug is an empty page. */
    async listPage(filters: { app?: string; status?: MassUpgrade['status'] }, page: PageRequest) {
      const names = await appSlugs(ctx.db);
      const appId = filters.app ? [...names].find(([, s]) => s === filters.app)?.[0] : undefined;
      if (filters.app && !appId) return { massUpgrades: [], nextKey: null };
      const { rows, nextKey } = await listMassUpgradesPage(ctx.db, { appId, status: filters.status }, page);
      return { massUpgrades: await Promise.all(rows.map((m) => present(m, names.get(m.app_id)))), nextKey };
    },

    /** The stored plan, a page at a time, with what the rollout did to each deployment so far. */
    async itemsPage(id: string, page: PageRequest) {
      const m = await load(id);
      const { rows, nextKey } = await listRolloutItemsPage(ctx.db, m.id, page);
      const items = rows.map((i) => ({
        wave: i.wave,
        deploymentId: i.deployment_id,
        operationId: i.operation_id,
        state: i.operation_status ?? 'not_started',
        error: i.error_type ? { type: i.error_type, message: i.error_message } : null,
      }));
      return { massUpgradeId: m.id, items, nextKey };
    },

    async get(id: string, opts: { plan: boolean }) {
      return presentWithSlug(await load(id), { plan: opts.plan });
    },

    /** Pause, resume or cancel by signal; a rollout that already ended answers 409. */
    async steer(id: string, action: SteerAction, body: { reason?: string }) {
      const m = await load(id);
      if (FINISHED_STATUSES.has(m.status)) throw conflict('mass_upgrade_finished', `mass upgrade ${m.id} already ended (${m.status})`);
      const handle = client.workflow.getHandle(m.workflow_id);
      try {
        if (action === 'cancel') await handle.signal(cancelSignal, body);
        else await handle.signal(action === 'pause' ? pauseSignal : resumeSignal);
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) throw conflict('mass_upgrade_finished', `mass upgrade ${m.id} is no longer running`);
        throw err;
      }
      return presentWithSlug(m);
    },
  };
}

export type MassUpgradeService = ReturnType<typeof createMassUpgradeService>;
