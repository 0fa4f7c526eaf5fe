import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { ApiApp } from '../app';
import { findRelease, latestActiveRelease } from '../../db/queries/apps';
import { latestOperation } from '../../db/queries/operationList';
import type { Deployment, Operation } from '../../db/schema';
import type { OperationKind } from '../../domain/operations';
import { PreviewOptionsSchema } from '../../domain/preview';
import type { StrategyOptions } from '../../domain/strategy';
import { principalOf } from '../auth';
import type { ApiContext } from '../context';
import { appFacts, loadDeployment, showDeployment } from '../deploymentAccess';
import { badRequest, conflict } from '../errors';
import { startLifecycle, type LifecyclePlan } from '../lifecycleStart';
import { presentOperation } from '../presenters';
import { startedBy } from '../startedBy';
import { DeploymentView, OperationStarted, OperationView } from '../responseSchemas';
import { routeSchema } from '../routeSchema';
import { DeploymentParams, DestroyBody, EmptyBody, RollbackBody, ScaleBody, UpgradeBody } from '../schemas';
import { refuseIrreversibleStepBack } from '../migrationGuard';
import { triggerOf } from '../trigger';

const STARTED = 'the operation was started; follow it at /api/operations/{id}';

/** What an upgrade stores on its operation: canary steps, or the preview of a manual promotion. */
function upgradeOptions(body: z.output<typeof UpgradeBody>): StrategyOptions | null {
  if (body.promotion === 'manual') return { preview: PreviewOptionsSchema.parse({ timeoutSeconds: body.previewTimeoutSeconds }) };
  return body.canary ? { canary: body.canary } : null;
}

/** The schema of an action that answers 202 with the operation it started. */
function lifecycleSchema(doc: { summary: string; body?: z.ZodType; conflicts?: string }) {
  return routeSchema({
    summary: doc.summary,
    access: 'token',
    params: DeploymentParams,
    body: doc.body ?? EmptyBody,
    starts: true,
    responses: {
      202: { description: STARTED, schema: OperationStarted },
      409: { description: doc.conflicts ?? 'illegal_transition, or operation_in_flight (naming it)' },
    },
  });
}

/**
 * POST /api/deployments/:id/{upgrade,retry,rollback,restart,suspend,resume,destroy}.
 * Each answers 202 { operation, deployment } once its workflow is started; the checks every
 * one of them shares live in lifecycleStart.ts.
 */
export function lifecycleRoutes(app: ApiApp, ctx: ApiContext): void {
  /** Loads, checks and starts; `plan` runs after the shared checks and may refuse with 409. */
  const route = (
    action: string,
    kind: OperationKind,
    doc: { summary: string; body?: z.ZodType; conflicts?: string },
    prepare: (req: FastifyRequest, d: Deployment) => Promise<() => Promise<LifecyclePlan>>,
  ) => {
    app.post(`/api/deployments/:id/${action}`, { schema: lifecycleSchema(doc), config: { startsOperation: true } }, async (req, reply) => {
      const p = principalOf(req);
      const d = await loadDeployment(ctx, p, req.params);
      const trigger = triggerOf(req, p);
      const plan = await prepare(req, d);
      // The answer's app facts depend on the app alone: read while the workflow starts, not after.
      const [started, facts] = await Promise.all([startLifecycle(ctx, startedBy(req, p, trigger), d, kind, plan), appFacts(ctx, d.app_id)]);
      return answer(reply, 202, started.operation, started.deployment, facts);
    });
  };

  const answer = async (
    reply: FastifyReply,
    status: number,
    op: Operation | null,
    d: Deployment,
    facts?: { slug: string; latest: string | null },
  ) =>
    reply
      .status(status)
      .send({ operation: op ? presentOperation(op) : null, deployment: await showDeployment(ctx, d, facts?.slug, facts?.latest) });

  const upgrade = {
    summary: 'Move to a release (default: the newest active one)',
    body: UpgradeBody,
    conflicts:
      'already_on_version, irreversible_migration (naming it; force: true goes ahead), illegal_transition, awaiting_promotion or operation_in_flight',
  };
  route('upgrade', 'upgrade', upgrade, async (req, d) => {
    const body = req.body as z.output<typeof UpgradeBody>; // validated by the route schema
    const release = body.version ? await findRelease(ctx.db, d.app_id, body.version) : await latestActiveRelease(ctx.db, d.app_id);
    if (!release)
      throw badRequest(`no release ${body.version ?? '(none published yet)'} of this app`, [
        { field: 'body.version', message: 'no such release' },
      ]);
    if (release.status !== 'active')
      throw badRequest(`release ${release.version} is ${release.status}`, [
        { field: 'body.version', message: `release is ${release.status}` },
      ]);
    return async () => {
      if (d.status === 'running' && d.serving_version === release.version) {
        throw conflict('already_on_version', `deployment ${d.id} already serves ${release.version}; use restart to restart it`);
      }
      await refuseIrreversibleStepBack(ctx, d, release.version, body.force);
      return {
        kind: 'upgrade',
        toVersion: release.version,
        strategy: body.strategy,
        strategyOptions: upgradeOptions(body),
      };
    };
  });

  const retry = {
    summary: 'Re-run the latest failed operation with the same inputs',
    conflicts: 'nothing_to_retry, illegal_transition or operation_in_flight',
  };
  route('retry', 'retry', retry, async (_req, d) => {
    return async () => {
      // Newest first: the failure the tenant just saw.
      const failed = await latestOperation(ctx.db, d.id, { statuses: ['failed'] });
      if (!failed) throw conflict('nothing_to_retry', `deployment ${d.id} has no failed operation to retry`);
      return {
        kind: 'retry',
        retryOf: failed.id,
        toVersion: failed.to_version,
        strategy: failed.strategy,
        configRevision: failed.config_revision,
        strategyOptions: failed.strategy_options,
        replicas: failed.replicas,
      };
    };
  });

  const rollback = {
    summary: 'Back to previousVersion',
    body: RollbackBody,
    conflicts: 'irreversible_migration (naming it; force: true goes ahead), illegal_transition, awaiting_promotion or operation_in_flight',
  };
  route('rollback', 'rollback', rollback, async (req, d) => {
    const body = req.body as z.output<typeof RollbackBody>; // validated by the route schema
    return async () => {
      await refuseIrreversibleStepBack(ctx, d, d.previous_version, body.force);
      return { kind: 'rollback', toVersion: d.previous_version, strategy: d.strategy };
    };
  });

  route('restart', 'restart', { summary: 'Restart the serving release with the current config revision' }, async (_req, d) => {
    return async () => ({ kind: 'restart', toVersion: d.serving_version, strategy: d.strategy });
  });

  route('suspend', 'suspend', { summary: 'Stop compute, keep data; the router answers "suspended"' }, async (_req, d) => {
    return async () => ({ kind: 'suspend', toVersion: d.serving_version, strategy: d.strategy });
  });

  route('resume', 'resume', { summary: 'Start a suspended deployment again' }, async (_req, d) => {
    return async () => ({ kind: 'resume', toVersion: d.serving_version ?? d.release_version, strategy: d.strategy });
  });

  const scale = {
    summary: 'Add or remove replicas of the serving revision; running replicas are not replaced',
    body: ScaleBody,
    conflicts: 'env_not_serving, illegal_transition, awaiting_promotion or operation_in_flight',
  };
  route('scale', 'scale', scale, async (req, d) => {
    const body = req.body as z.output<typeof ScaleBody>; // validated by the route schema
    return async () => {
      // New replicas get the env on record; they must match the ones already serving.
      if (d.serving_config_revision !== d.config_revision)
        throw conflict(
          'env_not_serving',
          `config revision ${d.config_revision} of ${d.id} is not serving yet (${d.serving_config_revision ?? 'none'} is); restart first`,
        );
      return {
        kind: 'scale',
        toVersion: d.serving_version,
        strategy: d.strategy,
        configRevision: d.config_revision,
        replicas: body.replicas,
      };
    };
  });

  const cleanup = { summary: 'End the rollback window now: stop the warm revisions (a later rollback redeploys)' };
  route('cleanup', 'cleanup', cleanup, async (_req, d) => {
    return async () => ({
      kind: 'cleanup',
      toVersion: d.serving_version,
      strategy: d.strategy,
      configRevision: d.serving_config_revision ?? d.config_revision,
    });
  });

  // Destructive: the body must repeat the deployment id. Destroying a destroyed deployment
  // answers 200 with the teardown that did it, so a retried destroy is harmless.
  const destroy = routeSchema({
    summary: 'Tear down (destructive); confirm must equal the deployment id',
    access: 'token',
    params: DeploymentParams,
    body: DestroyBody,
    starts: true,
    responses: {
      202: { description: STARTED, schema: OperationStarted },
      200: {
        description: 'already destroyed: the teardown that did it; nothing started',
        schema: z.object({ operation: OperationView.nullable(), deployment: DeploymentView }),
      },
      409: { description: 'illegal_transition, or operation_in_flight (naming it)' },
    },
  });
  app.post('/api/deployments/:id/destroy', { schema: destroy, config: { startsOperation: true } }, async (req, reply) => {
    const p = principalOf(req);
    const d = await loadDeployment(ctx, p, req.params);
    const body = req.body;
    if (body.confirm !== d.id) {
      throw badRequest(`destroy removes compute, routes and env of ${d.id}; send { "confirm": "${d.id}" } to go ahead`, [
        { field: 'body.confirm', message: 'must equal the deployment id' },
      ]);
    }
    const trigger = triggerOf(req, p);
    if (d.status === 'destroyed') {
      const teardown = await latestOperation(ctx.db, d.id, { kind: 'teardown', statuses: ['succeeded'] });
      return answer(reply, 200, teardown, d);
    }
    const started = await startLifecycle(ctx, startedBy(req, p, trigger), d, 'teardown', async () => ({
      kind: 'teardown',
      toVersion: null,
    }));
    return answer(reply, 202, started.operation, started.deployment);
  });
}
