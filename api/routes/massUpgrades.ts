import { WorkflowNotFoundError } from '@temporalio/client';
import { z } from 'zod';
import type { ApiApp } from '../app';
import { findAppBySlug, findRelease, latestActiveRelease } from '../../db/queries/apps';
import {
  activeMassUpgradeForApp,
  findMassUpgrade,
  insertMassUpgrade,
  listMassUpgrades,
  planFleetRollout,
  updateMassUpgrade,
  type MassUpgrade,
} from '../../db/queries/massUpgrades';
import { FINISHED_STATUSES, type MassUpgradeProgress } from '../../domain/massUpgrade/progress';
import { currentVersion } from '../../domain/massUpgrade/selection';
import { requireAdmin } from '../auth';
import type { ApiContext } from '../context';
import { badRequest, conflict, notFound } from '../errors';
import { idempotentIds } from '../idempotency';
import { newId } from '../ids';
import { massUpgradeDocs } from '../massUpgradeDocs';
import { CancelBody, MassUpgradeParams } from '../massUpgradeSchemas';
import { parseInput } from '../validation';

export const massUpgradeWorkflowId = (id: string) => `mass-upgrade-${id}`;

/**
 * Fleet rollouts, admin only. POST plans (and with dryRun only shows the plan); anything
 * else talks to the rollout's workflow: signals to steer it, a query for live progress.
 */
export function massUpgradeRoutes(app: ApiApp, ctx: ApiContext): void {
  const slugs = async () => new Map((await ctx.db.selectFrom('apps').select(['id', 'slug']).execute()).map((a) => [a.id, a.slug]));

  /** Live progress from the workflow while it runs; the last snapshot when it ended or cannot answer. */
  const liveProgress = async (m: MassUpgrade): Promise<MassUpgradeProgress | null> => {
    if (FINISHED_STATUSES.has(m.status)) return (m.progress as MassUpgradeProgress | null) ?? null;
    try {
      return await ctx.temporal.client.workflow.getHandle(m.workflow_id).query<MassUpgradeProgress>('progress');
    } catch {
      return (m.progress as MassUpgradeProgress | null) ?? null;
    }
  };

  /**
   * A rollout whose live status is already final may not have written that to its row
   * yet (its last activity runs a moment later): wait for its workflow to close rather
   * than refuse the next rollout of the app.
   */
  const stillActive = async (m: MassUpgrade | null | undefined): Promise<MassUpgrade | null> => {
    if (!m) return null;
    const handle = ctx.temporal.client.workflow.getHandle(m.workflow_id);
    const running = async () => {
      try {
        return (await handle.describe()).status.name === 'RUNNING';
      } catch {
        return false;
      }
    };
    // A workflow that is gone (ended, or terminated by hand) never blocks the app.
    if (!(await running())) return null;
    const live = await liveProgress(m);
    if (!live || !FINISHED_STATUSES.has(live.status)) return m;
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (!(await running())) return null;
      await new Promise((r) => setTimeout(r, 50));
    }
    return m;
  };

  const present = async (m: MassUpgrade, slug: string | undefined, opts: { live?: boolean; plan?: boolean } = {}) => {
    const progress = opts.live ? await liveProgress(m) : ((m.progress as MassUpgradeProgress | null) ?? null);
    return {
      id: m.id,
      app: slug ?? '',
      targetVersion: m.target_version,
      status: (progress?.status ?? m.status) as MassUpgradeProgress['status'],
      haltReason: progress?.haltReason ?? m.halt_reason,
      actor: m.actor,
      workflowId: m.workflow_id,
      options: m.options,
      progress,
      ...(opts.plan ? { plan: (m.plan as { waves?: string[][] } | null)?.waves ?? [] } : {}),
      createdAt: m.created_at,
      updatedAt: m.updated_at,
      finishedAt: m.finished_at,
    };
  };

  const load = async (params: unknown) => {
    const { id } = parseInput(MassUpgradeParams, params, 'params');
    const m = await findMassUpgrade(ctx.db, id);
    if (!m) throw notFound(`mass upgrade ${id}`);
    return m;
  };

  app.post('/api/admin/mass-upgrades', { schema: massUpgradeDocs.start }, async (req, reply) => {
    const p = requireAdmin(req);
    const options = req.body;
    const found = await findAppBySlug(ctx.db, options.app);
    if (!found) throw badRequest(`app ${options.app} does not exist`, [{ field: 'body.app', message: 'no such app' }]);
    const release = options.targetVersion
      ? await findRelease(ctx.db, found.id, options.targetVersion)
      : await latestActiveRelease(ctx.db, found.id);
    if (!release)
      throw badRequest(`no release ${options.targetVersion ?? '(none published yet)'} of ${options.app}`, [
        { field: 'body.targetVersion', message: 'no such release' },
      ]);
    if (release.status !== 'active')
      throw badRequest(`release ${release.version} is ${release.status}`, [
        { field: 'body.targetVersion', message: `release is ${release.status}` },
      ]);

    const ids = idempotentIds(req);
    const id = ids ? ids.operationId.replace(/^op-/, 'mu-') : `mu-${newId('d', 10).slice(2)}`;
    const earlier = ids ? await findMassUpgrade(ctx.db, id) : null;
    if (earlier) return reply.status(202).send(await present(earlier, found.slug));

    const { waves, facts } = await planFleetRollout(ctx.db, found.id, release.version, options);
    if (options.dryRun) {
      return reply.status(200).send({
        dryRun: true,
        app: found.slug,
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
      });
    }
    const active = await stillActive(await activeMassUpgradeForApp(ctx.db, found.id));
    if (active)
      throw conflict(
        'mass_upgrade_in_progress',
        `mass upgrade ${active.id} of ${found.slug} is ${active.status}; cancel it or wait for it to end`,
        { massUpgradeId: active.id },
      );

    const workflowId = massUpgradeWorkflowId(id);
    const row = await insertMassUpgrade(ctx.db, {
      id,
      appId: found.id,
      targetVersion: release.version,
      options,
      workflowId,
      actor: p.actor,
    });
    // Stored now, so the run acts on exactly the plan a dry run just showed.
    await updateMassUpgrade(ctx.db, id, { plan: { waves } });
    try {
      await ctx.temporal.client.workflow.start('massUpgradeWorkflow', {
        taskQueue: ctx.temporal.taskQueue,
        workflowId,
        args: [{ massUpgradeId: id, targetVersion: release.version, options }],
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
    return reply.status(202).send(await present({ ...row, plan: { waves } }, found.slug, { live: false }));
  });

  app.get('/api/admin/mass-upgrades', { schema: massUpgradeDocs.list }, async (req) => {
    requireAdmin(req);
    const names = await slugs();
    return { massUpgrades: await Promise.all((await listMassUpgrades(ctx.db)).map((m) => present(m, names.get(m.app_id)))) };
  });

  app.get('/api/admin/mass-upgrades/:id', { schema: massUpgradeDocs.one }, async (req) => {
    requireAdmin(req);
    const m = await load(req.params);
    const q = req.query;
    return present(m, (await slugs()).get(m.app_id), { live: true, plan: q.plan === '1' || q.plan === 'true' });
  });

  const steer = (action: 'pause' | 'resume' | 'cancel') => {
    app.post(`/api/admin/mass-upgrades/:id/${action}`, { schema: massUpgradeDocs[action] }, async (req, reply) => {
      requireAdmin(req);
      const m = await load(req.params);
      const body = action === 'cancel' ? (req.body as z.output<typeof CancelBody>) : {}; // validated by the route schema
      if (FINISHED_STATUSES.has(m.status)) throw conflict('mass_upgrade_finished', `mass upgrade ${m.id} already ended (${m.status})`);
      try {
        await ctx.temporal.client.workflow.getHandle(m.workflow_id).signal(action, ...(action === 'cancel' ? [body] : []));
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) throw conflict('mass_upgrade_finished', `mass upgrade ${m.id} is no longer running`);
        throw err;
      }
      return reply.status(202).send(await present(m, (await slugs()).get(m.app_id), { live: true }));
    });
  };
  steer('pause');
  steer('resume');
  steer('cancel');
}
