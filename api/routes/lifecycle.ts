import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { findRelease, latestActiveRelease } from '../../db/queries/apps';
import { latestOperation } from '../../db/queries/operationList';
import type { Deployment, Operation } from '../../db/schema';
import type { OperationKind } from '../../domain/operations';
import { principalOf } from '../auth';
import type { ApiContext } from '../context';
import { loadDeployment, showDeployment } from '../deploymentAccess';
import { badRequest, conflict } from '../errors';
import { startLifecycle, type LifecyclePlan } from '../lifecycleStart';
import { presentOperation } from '../presenters';
import { startedBy } from '../startedBy';
import { DestroyBody, EmptyBody, UpgradeBody } from '../schemas';
import { triggerOf } from '../trigger';
import { parseInput } from '../validation';

/**
 * POST /api/deployments/:id/{upgrade,retry,rollback,restart,suspend,resume,destroy}.
 * Each answers 202 { operation, deployment } once its workflow is started; the checks every
 * one of them shares live in lifecycleStart.ts.
 */
export function lifecycleRoutes(app: FastifyInstance, ctx: ApiContext): void {
  /** Loads, checks and starts; `plan` runs after the shared checks and may refuse with 409. */
  const route = (
    action: string,
    kind: OperationKind,
    prepare: (req: FastifyRequest, d: Deployment) => Promise<() => Promise<LifecyclePlan>>,
  ) => {
    app.post(`/api/deployments/:id/${action}`, async (req, reply) => {
      const p = principalOf(req);
      const d = await loadDeployment(ctx, p, req.params);
      const trigger = triggerOf(req, p);
      const plan = await prepare(req, d);
      const started = await startLifecycle(ctx, startedBy(req, p, trigger), d, kind, plan);
      return answer(reply, 202, started.operation, started.deployment);
    });
  };

  const answer = async (reply: FastifyReply, status: number, op: Operation | null, d: Deployment) =>
    reply.status(status).send({ operation: op ? presentOperation(op) : null, deployment: await showDeployment(ctx, d) });

  const noBody = (req: FastifyRequest) => parseInput(EmptyBody, req.body, 'body');

  route('upgrade', 'upgrade', async (req, d) => {
    const body = parseInput(UpgradeBody, req.body, 'body');
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
      return {
        kind: 'upgrade',
        toVersion: release.version,
        strategy: body.strategy,
        strategyOptions: body.canary ? { canary: body.canary } : null,
      };
    };
  });

  route('retry', 'retry', async (req, d) => {
    noBody(req);
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
      };
    };
  });

  route('rollback', 'rollback', async (req, d) => {
    noBody(req);
    return async () => ({ kind: 'rollback', toVersion: d.previous_version, strategy: d.strategy });
  });

  route('restart', 'restart', async (req, d) => {
    noBody(req);
    return async () => ({ kind: 'restart', toVersion: d.serving_version, strategy: d.strategy });
  });

  route('suspend', 'suspend', async (req, d) => {
    noBody(req);
    return async () => ({ kind: 'suspend', toVersion: d.serving_version, strategy: d.strategy });
  });

  route('resume', 'resume', async (req, d) => {
    noBody(req);
    return async () => ({ kind: 'resume', toVersion: d.serving_version ?? d.release_version, strategy: d.strategy });
  });

  // Destructive: the body must repeat the deployment id. Destroying a destroyed deployment
  // answers 200 with the teardown that did it, so a retried destroy is harmless.
  app.post('/api/deployments/:id/destroy', async (req, reply) => {
    const p = principalOf(req);
    const d = await loadDeployment(ctx, p, req.params);
    const body = parseInput(DestroyBody, req.body, 'body');
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
