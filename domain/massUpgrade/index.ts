// Pure planning for fleet rollouts (no I/O): safe to import from workflows/.
export * from './options';
export * from './waves';
export * from './failureBudget';
export * from './rateLimiter';
export * from './selection';
export * from './progress';
