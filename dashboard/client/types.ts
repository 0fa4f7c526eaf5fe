import type { z } from 'zod';
import type {
  AppView,
  DeploymentView,
  LogLineView,
  OperationView,
  ReleaseView,
  RolloutItemView,
  TokenView,
} from '../../api/responseSchemas';
import type { DryRunView, MassUpgradeView } from '../../api/massUpgradeSchemas';
import type { TrafficView } from '../../api/trafficView';

// The API's own response schemas, so a renamed field breaks the dashboard's type check, not a page.
export type Deployment = z.infer<typeof DeploymentView>;
export type Operation = z.infer<typeof OperationView>;
export type LogLine = z.infer<typeof LogLineView>;
export type Release = z.infer<typeof ReleaseView>;
export type App = z.infer<typeof AppView>;
export type Token = z.infer<typeof TokenView>;
export type MassUpgrade = z.infer<typeof MassUpgradeView>;
export type DryRun = z.infer<typeof DryRunView>;
export type RolloutItem = z.infer<typeof RolloutItemView>;
export type Traffic = z.infer<typeof TrafficView>;
export type EnvEntry = { key: string; source: 'tenant' | 'generated'; secret: boolean; value: string | null };
