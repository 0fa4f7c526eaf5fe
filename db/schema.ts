import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { DeploymentStatus } from '../domain/deploymentStatus';
import type { Manifest } from '../domain/manifest';
import type { MassUpgradeOptions } from '../domain/massUpgrade/options';
import type { MassUpgradeProgress, MassUpgradeStatus } from '../domain/massUpgrade/progress';
import type { MassUpgradePlan } from '../domain/massUpgrade/waves';
import type { OperationKind, OperationStatus, OperationTrigger, Slot, Strategy } from '../domain/operations';
import type { StrategyOptions } from '../domain/strategy';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json<T> = ColumnType<T, string, string>;
/** A JSON column that may be absent: written as text, read back parsed by pg. */
type NullableJson<T> = ColumnType<T | null, string | null | undefined, string | null>;

/** Anything JSON.parse can return; what a stored HTTP answer is. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface AppsTable {
  id: Generated<string>;
  slug: string;
  name: string;
  created_at: Timestamp;
}

export interface ReleasesTable {
  id: Generated<string>;
  app_id: string;
  version: string;
  manifest: Json<Manifest>;
  /** null when every service is an image. */
  artifact_digest: string | null;
  status: ColumnType<'active' | 'yanked', 'active' | 'yanked' | undefined, 'active' | 'yanked'>;
  created_at: Timestamp;
}

export interface DeploymentsTable {
  id: string;
  tenant_id: string;
  app_id: string;
  name: string;
  hostname: string;
  release_version: string;
  serving_version: string | null;
  previous_version: string | null;
  status: DeploymentStatus;
  progress: ColumnType<number, number | undefined, number>;
  strategy: Strategy;
  active_slot: Slot | null;
  config_revision: ColumnType<number, number | undefined, number>;
  serving_config_revision: number | null;
  last_error: string | null;
  replicas: ColumnType<number, number | undefined, number>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface DeploymentEnvVarsTable {
  deployment_id: string;
  key: string;
  value: string;
  source: 'tenant' | 'generated';
  secret: ColumnType<boolean, boolean | undefined, boolean>;
  /** Set on secret values: `value` is AES-256-GCM ciphertext under this key (db/secretCipher.ts). */
  key_id: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: Timestamp;
}

export interface OperationsTable {
  id: string;
  deployment_id: string;
  kind: OperationKind;
  trigger: OperationTrigger;
  actor: string;
  from_version: string | null;
  to_version: string | null;
  config_revision: number;
  strategy: Strategy | null;
  workflow_id: string;
  run_id: string | null;
  status: OperationStatus;
  phase: string | null;
  error_type: string | null;
  error_message: string | null;
  created_at: Timestamp;
  started_at: Date | null;
  finished_at: Date | null;
  retry_of: ColumnType<string | null, string | null | undefined, string | null>;
  idempotency_key: ColumnType<string | null, string | null | undefined, string | null>;
  strategy_options: NullableJson<StrategyOptions>;
  mass_upgrade_id: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface OperationLogsTable {
  id: Generated<string>;
  operation_id: string;
  phase: string;
  step: string;
  level: 'info' | 'warn' | 'error';
  message: string;
  created_at: Timestamp;
}

export interface RevisionsTable {
  key: string;
  deployment_id: string;
  operation_id: string;
  release_version: string;
  config_revision: number;
  slot: Slot;
  url: string | null;
  /**
   * starting → ready (passed readiness) → serving (takes traffic) → warm (kept for a
   * rollback window) → retiring → stopped. A rollback claims a warm one back to serving.
   */
  status: RevisionStatus;
  retire_token: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: Timestamp;
  stopped_at: Date | null;
}

export type RevisionStatus = 'starting' | 'ready' | 'serving' | 'warm' | 'retiring' | 'stopped';

export interface ApiTokensTable {
  id: Generated<string>;
  name: string;
  token_hash: string;
  role: 'admin' | 'tenant';
  tenant_id: string | null;
  created_at: Timestamp;
  revoked_at: Date | null;
}

export interface IdempotencyKeysTable {
  token_id: string;
  key: string;
  method: string;
  path: string;
  request_hash: string;
  status_code: number | null;
  response: NullableJson<JsonValue>;
  created_at: Timestamp;
}

export interface MassUpgradesTable {
  id: string;
  app_id: string;
  target_version: string;
  status: MassUpgradeStatus;
  options: Json<MassUpgradeOptions>;
  /** Cut once when the rollout starts (the API stores it; the workflow's first activity finds it). */
  plan: ColumnType<MassUpgradePlan | null, string | null | undefined, string | null>;
  /** The workflow's last progress snapshot. */
  progress: ColumnType<MassUpgradeProgress | null, string | null | undefined, string | null>;
  workflow_id: string;
  actor: string;
  halt_reason: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  finished_at: Date | null;
}

export interface Database {
  apps: AppsTable;
  releases: ReleasesTable;
  deployments: DeploymentsTable;
  deployment_env_vars: DeploymentEnvVarsTable;
  operations: OperationsTable;
  operation_logs: OperationLogsTable;
  revisions: RevisionsTable;
  api_tokens: ApiTokensTable;
  idempotency_keys: IdempotencyKeysTable;
  mass_upgrades: MassUpgradesTable;
}

export type App = Selectable<AppsTable>;
export type Release = Selectable<ReleasesTable>;
export type NewRelease = Insertable<ReleasesTable>;
export type Deployment = Selectable<DeploymentsTable>;
export type NewDeployment = Insertable<DeploymentsTable>;
export type DeploymentUpdate = Updateable<DeploymentsTable>;
export type EnvVar = Selectable<DeploymentEnvVarsTable>;
export type Operation = Selectable<OperationsTable>;
export type NewOperation = Insertable<OperationsTable>;
export type OperationLog = Selectable<OperationLogsTable>;
export type Revision = Selectable<RevisionsTable>;
export type ApiToken = Selectable<ApiTokensTable>;
