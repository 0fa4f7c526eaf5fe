/** The response shapes the CLI reads (api/presenters.ts); only the fields it uses. */

export interface DeploymentView {
  id: string;
  tenantId: string;
  app: string;
  name: string;
  hostname: string;
  url: string;
  releaseVersion: string;
  servingVersion: string | null;
  previousVersion: string | null;
  status: string;
  progress: number;
  strategy: string;
  activeSlot: string | null;
  configRevision: number;
  lastError: string | null;
  updateAvailable: { version: string } | null;
  preview: { hostname: string; url: string; expiresAt: string | null } | null;
  replicas: number;
  createdAt: string;
  updatedAt: string;
}

export interface OperationView {
  id: string;
  deploymentId: string;
  kind: string;
  trigger: string;
  actor: string;
  fromVersion: string | null;
  toVersion: string | null;
  configRevision: number | null;
  strategy: string | null;
  workflowId: string;
  status: string;
  phase: string | null;
  error: { type: string; message: string | null } | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
}

export interface LogLine {
  id: string;
  phase: string;
  level: string;
  message: string;
  at: string;
}

/** What every operation-starting call answers (202). */
export interface Started {
  /** null when nothing had to run (an env change saved for later, a destroy already done). */
  operation: OperationView | null;
  deployment: DeploymentView;
  message?: string;
}
