// Workflow code only: deterministic, bundled separately, imports nothing with I/O.
export {
  deployWorkflow,
  upgradeWorkflow,
  restartWorkflow,
  resumeWorkflow,
  rollbackWorkflow,
  suspendWorkflow,
  teardownWorkflow,
  retryWorkflow,
  scaleWorkflow,
  cleanupWorkflow,
} from './operations';
export { retireRevisionWorkflow } from './retire';
export { massUpgradeWorkflow } from './massUpgrade';
export { massUpgradeItemWorkflow } from './massUpgradeItem';
export { autoUpdateWorkflow } from './autoUpdate';
