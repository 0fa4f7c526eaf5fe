// Workflow code only: deterministic, bundled separately, imports nothing with I/O.
export { deployWorkflow } from './deploy';
