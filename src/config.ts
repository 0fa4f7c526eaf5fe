import path from 'node:path';
import { z } from 'zod';
import { LOG_FORMATS, type LogFormat } from './logger';

/** Defaults are named so the CLI, the README and the code say the same thing. */
export const DEFAULTS = {
  dataDir: '.slipway',
  apiPort: 3000,
  routerPort: 8080,
  routerAdminPort: 8081,
  temporalPort: 7233,
  temporalUiPort: 8233,
  namespace: 'default',
  taskQueue: 'slipway',
  readinessTimeoutSeconds: 300,
  drainTimeoutSeconds: 30,
  rollbackWindowSeconds: 600,
  stopGraceSeconds: 10,
  routerMaxBodyBytes: 10 * 1024 * 1024,
} as const;

const port = z.coerce.number().int().min(0).max(65535);

const ConfigSchema = z.object({
  SLIPWAY_DATA_DIR: z.string().min(1).default(DEFAULTS.dataDir),
  DATABASE_URL: z.string().url().optional(),
  TEMPORAL_ADDRESS: z.string().min(1).optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default(DEFAULTS.namespace),
  SLIPWAY_TASK_QUEUE: z.string().min(1).default(DEFAULTS.taskQueue),
  SLIPWAY_API_PORT: port.default(DEFAULTS.apiPort),
  SLIPWAY_ROUTER_PORT: port.default(DEFAULTS.routerPort),
  SLIPWAY_ROUTER_ADMIN_URL: z.string().url().optional(),
  SLIPWAY_ROUTER_ADMIN_PORT: port.default(DEFAULTS.routerAdminPort),
  SLIPWAY_ROUTER_MAX_BODY_BYTES: z.coerce.number().int().min(1).default(DEFAULTS.routerMaxBodyBytes),
  SLIPWAY_TEMPORAL_PORT: port.default(DEFAULTS.temporalPort),
  SLIPWAY_TEMPORAL_UI_PORT: port.default(DEFAULTS.temporalUiPort),
  SLIPWAY_ROUTE_DOMAIN: z.string().min(1).default('localhost'),
  SLIPWAY_READINESS_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(3600).default(DEFAULTS.readinessTimeoutSeconds),
  SLIPWAY_DRAIN_TIMEOUT_SECONDS: z.coerce.number().int().min(0).max(3600).default(DEFAULTS.drainTimeoutSeconds),
  SLIPWAY_ROLLBACK_WINDOW_SECONDS: z.coerce
    .number()
    .int()
    .min(0)
    .max(7 * 24 * 3600)
    .default(DEFAULTS.rollbackWindowSeconds),
  SLIPWAY_STOP_GRACE_SECONDS: z.coerce.number().int().min(0).max(600).default(DEFAULTS.stopGraceSeconds),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  /** auto: readable lines when stdout is a terminal, JSON lines otherwise (files, pipes, log shippers). */
  SLIPWAY_LOG_FORMAT: z.enum(LOG_FORMATS).default('auto'),
});

export interface Config {
  dataDir: string;
  databaseUrl?: string;
  temporalAddress?: string;
  namespace: string;
  taskQueue: string;
  apiPort: number;
  routerPort: number;
  routerAdminPort: number;
  routerAdminUrl: string;
  /** Largest request body the router proxies; bigger ones get 413. */
  routerMaxBodyBytes: number;
  temporalPort: number;
  temporalUiPort: number;
  routeDomain: string;
  logLevel: string;
  logFormat: LogFormat;
  readinessTimeoutSeconds: number;
  drainTimeoutSeconds: number;
  rollbackWindowSeconds: number;
  stopGraceSeconds: number;
}

export class ConfigError extends Error {}

/** Parses the environment once; every process calls this at start and passes the result down. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}\nFix the variables above (see README "Configuration").`);
  }
  const e = parsed.data;
  return {
    dataDir: path.resolve(e.SLIPWAY_DATA_DIR),
    databaseUrl: e.DATABASE_URL,
    temporalAddress: e.TEMPORAL_ADDRESS,
    namespace: e.TEMPORAL_NAMESPACE,
    taskQueue: e.SLIPWAY_TASK_QUEUE,
    apiPort: e.SLIPWAY_API_PORT,
    routerPort: e.SLIPWAY_ROUTER_PORT,
    routerAdminPort: e.SLIPWAY_ROUTER_ADMIN_PORT,
    routerAdminUrl: e.SLIPWAY_ROUTER_ADMIN_URL ?? `http://127.0.0.1:${e.SLIPWAY_ROUTER_ADMIN_PORT}`,
    routerMaxBodyBytes: e.SLIPWAY_ROUTER_MAX_BODY_BYTES,
    temporalPort: e.SLIPWAY_TEMPORAL_PORT,
    temporalUiPort: e.SLIPWAY_TEMPORAL_UI_PORT,
    routeDomain: e.SLIPWAY_ROUTE_DOMAIN,
    logLevel: e.LOG_LEVEL,
    logFormat: e.SLIPWAY_LOG_FORMAT,
    readinessTimeoutSeconds: e.SLIPWAY_READINESS_TIMEOUT_SECONDS,
    drainTimeoutSeconds: e.SLIPWAY_DRAIN_TIMEOUT_SECONDS,
    rollbackWindowSeconds: e.SLIPWAY_ROLLBACK_WINDOW_SECONDS,
    stopGraceSeconds: e.SLIPWAY_STOP_GRACE_SECONDS,
  };
}
