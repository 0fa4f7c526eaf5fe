import { deploymentWorkflowId, type OperationKind, type OperationTrigger, type Strategy } from '../domain/operations';
import type { StrategyOptions } from '../domain/strategy';
import type { Deployment, NewOperation } from './schema';

export interface OperationRowInput {
  id: string;
  deployment: Pick<Deployment, 'id' | 'serving_version' | 'config_revision' | 'strategy'>;
  kind: OperationKind;
  trigger: OperationTrigger;
  actor: string;
  toVersion: string | null;
  /** Overrides the deployment's own strategy for this operation only. */
  strategy?: Strategy | null;
  /** Defaults to the deployment's current config revision. */
  configRevision?: number;
  retryOf?: string | null;
  strategyOptions?: StrategyOptions | null;
  idempotencyKey?: string | null;
  massUpgradeId?: string | null;
  /** Scale only: the replica count to reach. */
  replicas?: number | null;
}

/**
 * The one place an operation row is built: pending, under the deployment's workflow id,
 * starting from what serves now. The strategy default (the deployment's) applies here and
 * nowhere else, so every operation row says which strategy it runs with.
 */
export function newOperationRow(o: OperationRowInput): NewOperation {
  return {
    id: o.id,
    deployment_id: o.deployment.id,
    kind: o.kind,
    trigger: o.trigger,
    actor: o.actor,
    from_version: o.deployment.serving_version,
    to_version: o.toVersion,
    config_revision: o.configRevision ?? o.deployment.config_revision,
    strategy: o.strategy ?? o.deployment.strategy,
    workflow_id: deploymentWorkflowId(o.deployment.id),
    run_id: null,
    status: 'pending',
    phase: null,
    error_type: null,
    error_message: null,
    started_at: null,
    finished_at: null,
    retry_of: o.retryOf ?? null,
    strategy_options: o.strategyOptions ? JSON.stringify(o.strategyOptions) : null,
    idempotency_key: o.idempotencyKey ?? null,
    mass_upgrade_id: o.massUpgradeId ?? null,
    replicas: o.replicas ?? null,
  };
}
