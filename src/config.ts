import path from 'node:path';
import { z } from 'zod';
import { DEFAULT_AUTH_FAILURE_LIMIT } from '../api/authFailureLimiter';
import { DEFAULT_ARTIFACT_SOURCE_ROOTS } from '../compute/local/artifactStore';
import { DEFAULT_DELIVERY_RETRY, type DeliveryRetryPolicy } from '../domain/notifications/retry';
import { parseCidrList, type Cidr } from '../domain/notifications/addressPolicy';
import { FAULT_POINT_NAMES, type FaultPointName } from '../ports/faultPoints';
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
  /** Loopback: the API holds admin power, so reaching it from elsewhere is a deliberate choice. */
  apiHost: '127.0.0.1',
  /** All interfaces: the router is what tenants' users reach. */
  routerHost: '0.0.0.0',
  authFailureLimit: DEFAULT_AUTH_FAILURE_LIMIT.maxFailures,
  authFailureWindowSeconds: DEFAULT_AUTH_FAILURE_LIMIT.windowSeconds,
  router: 'builtin',
  temporal: 'dev',
  /**
   * Fixed forever at the real server's first start. 4 carried every load tested on a 2-core box
   * (200 concurrent workflows took about as long as with 512) at ~2 % of a core idle and ~195 MB;
   * 512 costs ~320 MB and more idle CPU for nothing on one machine (TEMPORAL-SERVER.md §8).
   */
  temporalHistoryShards: 4,
  workers: 1,
  apis: 1,
  /** Vendo's update watcher looks hourly. */
  autoUpdateIntervalMinutes: 60,
  notificationRetryInitialMs: DEFAULT_DELIVERY_RETRY.initialDelayMs,
  notificationMaxAttempts: DEFAULT_DELIVERY_RETRY.maxAttempts,
  compute: 'local',
} as const;

/** `local`: child processes from artifacts (embedded default); `docker`: containers over the Docker Engine API (README "Containers"). */
export const COMPUTE_KINDS = ['local', 'docker', 'kubernetes'] as const;
export type ComputeKind = (typeof COMPUTE_KINDS)[number];

/**
 * `builtin`: the embedded Node proxy; `haproxy`: HAProxy on PATH, driven through its runtime API (README "The router");
 * `kubernetes`: one Service per deployment whose selector follows the serving revision (README "Kubernetes").
 */
export const ROUTER_KINDS = ['builtin', 'haproxy', 'kubernetes'] as const;
export type RouterKind = (typeof ROUTER_KINDS)[number];

const port = z.coerce.number().int().min(0).max(65535);
const listenHost = z.union([z.ipv4(), z.ipv6(), z.hostname()], { error: 'must be an IP address or a host name' });
const secretKey = z.string().transform((v, ctx) => {
  const key = parseSecretKey(v);
  if (!key) ctx.addIssue({ code: 'custom', message: 'must be 32 bytes as base64 or hex (e.g. `openssl rand -base64 32`)' });
  return key ?? Buffer.alloc(0);
});

const ConfigSchema = z
  .object({
    SLIPWAY_DATA_DIR: z.string().min(1).default(DEFAULTS.dataDir),
    /** Folders releases may be published from, separated by `:` like PATH. */
    SLIPWAY_ARTIFACT_ROOT: z.string().min(1).optional(),
    DATABASE_URL: z.string().url().optional(),
    TEMPORAL_ADDRESS: z.string().min(1).optional(),
    TEMPORAL_NAMESPACE: z.string().min(1).default(DEFAULTS.namespace),
    SLIPWAY_TASK_QUEUE: z.string().min(1).default(DEFAULTS.taskQueue),
    SLIPWAY_API_HOST: listenHost.default(DEFAULTS.apiHost),
    SLIPWAY_API_PORT: port.default(DEFAULTS.apiPort),
    SLIPWAY_ROUTER_HOST: listenHost.default(DEFAULTS.routerHost),
    SLIPWAY_ROUTER: z.enum(ROUTER_KINDS).default(DEFAULTS.router),
    SLIPWAY_COMPUTE: z.enum(COMPUTE_KINDS).default(DEFAULTS.compute),
    /** An existing Docker Engine API (`unix:///…sock` or `tcp://host:port`); without it `npm start` runs Podman's. */
    DOCKER_HOST: z
      .string()
      .regex(/^(unix:\/\/\/|tcp:\/\/|https?:\/\/)/, 'must start with unix:///, tcp:// or http(s)://')
      .optional(),
    /** kubeconfig for SLIPWAY_COMPUTE=kubernetes; without it the in-cluster account, else KUBECONFIG / ~/.kube/config. */
    SLIPWAY_KUBECONFIG: z.string().min(1).optional(),
    SLIPWAY_ROUTER_PORT: port.default(DEFAULTS.routerPort),
    SLIPWAY_ROUTER_ADMIN_URL: z.string().url().optional(),
    SLIPWAY_ROUTER_ADMIN_PORT: port.default(DEFAULTS.routerAdminPort),
    SLIPWAY_ROUTER_MAX_BODY_BYTES: z.coerce.number().int().min(1).default(DEFAULTS.routerMaxBodyBytes),
    SLIPWAY_HAPROXY_THREADS: z.coerce.number().int().min(1).max(64).optional(),
    SLIPWAY_HAPROXY_ERROR_LOG: z.enum(['0', '1']).default('0'),
    SLIPWAY_TEMPORAL_PORT: port.default(DEFAULTS.temporalPort),
    SLIPWAY_TEMPORAL_UI_PORT: port.default(DEFAULTS.temporalUiPort),
    SLIPWAY_TEMPORAL: z.enum(['dev', 'server']).default(DEFAULTS.temporal),
    SLIPWAY_TEMPORAL_HISTORY_SHARDS: z.coerce.number().int().min(1).max(16384).default(DEFAULTS.temporalHistoryShards),
    SLIPWAY_WORKERS: z.coerce.number().int().min(1).max(32).default(DEFAULTS.workers),
    SLIPWAY_APIS: z.coerce.number().int().min(1).max(32).default(DEFAULTS.apis),
    SLIPWAY_RESTORE_ON_BOOT: z.enum(['0', '1']).default('1'),
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
    SLIPWAY_AUTH_FAILURE_LIMIT: z.coerce.number().int().min(1).max(100_000).default(DEFAULTS.authFailureLimit),
    SLIPWAY_AUTH_FAILURE_WINDOW_SECONDS: z.coerce.number().int().min(1).max(3600).default(DEFAULTS.authFailureWindowSeconds),
    SLIPWAY_SECRET_KEY: secretKey.optional(),
    SLIPWAY_SECRET_KEY_PREVIOUS: secretKey.optional(),
    SLIPWAY_AUTO_UPDATE_INTERVAL_MINUTES: z.coerce
      .number()
      .int()
      .min(1)
      .max(7 * 24 * 60)
      .default(DEFAULTS.autoUpdateIntervalMinutes),
    SLIPWAY_NOTIFICATION_RETRY_INITIAL_MS: z.coerce.number().int().min(10).max(3_600_000).default(DEFAULTS.notificationRetryInitialMs),
    SLIPWAY_NOTIFICATION_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(DEFAULTS.notificationMaxAttempts),
    SLIPWAY_NOTIFICATION_LOG_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
    /** Private ranges tenants' webhooks may reach, e.g. `10.20.0.0/16`; by default public addresses only. */
    SLIPWAY_NOTIFICATION_ALLOWED_CIDRS: z
      .string()
      .default('')
      .transform((v, ctx) => {
        try {
          return parseCidrList(v);
        } catch (err) {
          ctx.addIssue({ code: 'custom', message: (err as Error).message });
          return z.NEVER;
        }
      }),
    LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
    /** Crash tests only: the process SIGKILLs itself at this point (ports/faultPoints.ts). */
    SLIPWAY_FAULT_KILL_AT: z.enum(FAULT_POINT_NAMES).optional(),
    /** auto: readable lines when stdout is a terminal, JSON lines otherwise (files, pipes, log shippers). */
    SLIPWAY_LOG_FORMAT: z.enum(LOG_FORMATS).default('auto'),
    /** `embedded` (the CNCF registry started by `npm start`) or the URL of a running registry (README "Images"). */
    SLIPWAY_REGISTRY: z
      .union([z.literal('embedded'), z.url({ protocol: /^https?$/, error: 'must be embedded or an http(s):// URL' })])
      .optional(),
    SLIPWAY_REGISTRY_USERNAME: z.string().min(1).optional(),
    SLIPWAY_REGISTRY_PASSWORD: z.string().min(1).optional(),
  })
  .refine((e) => e.SLIPWAY_ROUTER !== 'kubernetes' || e.SLIPWAY_COMPUTE === 'kubernetes', {
    path: ['SLIPWAY_ROUTER'],
    message:
      "kubernetes patches a Service selector over the revisions' pods, so it needs SLIPWAY_COMPUTE=kubernetes; with other compute use builtin or haproxy",
  });

export interface Config {
  dataDir: string;
  /** Folders whose contents may become release artifacts (absolute). */
  artifactRoots: string[];
  databaseUrl?: string;
  temporalAddress?: string;
  namespace: string;
  taskQueue: string;
  apiHost: string;
  apiPort: number;
  routerHost: string;
  router: RouterKind;
  compute: ComputeKind;
  dockerHost?: string;
  kubeconfig?: string;
  routerPort: number;
  routerAdminPort: number;
  routerAdminUrl: string;
  /** Largest request body the router proxies; bigger ones get 413. */
  routerMaxBodyBytes: number;
  /** HAProxy's nbthread; unset leaves HAProxy's own default (one thread per CPU). */
  haproxyThreads?: number;
  /** HAProxy logs each abnormal request (error, timeout, abort, 5xx: slot, timers, termination state) to stderr. */
  haproxyErrorLog: boolean;
  temporalPort: number;
  temporalUiPort: number;
  /** What `npm start` runs when TEMPORAL_ADDRESS is unset: the CLI's dev server or a real server on Postgres. */
  temporal: 'dev' | 'server';
  /** Only read at the real server's first start (fixed forever in its databases). */
  temporalHistoryShards: number;
  /** Worker and API processes the `npm start` supervisor runs; APIs listen on apiPort .. apiPort+apis-1. */
  workers: number;
  apis: number;
  /** Whether this worker repairs serving revisions at boot (the supervisor turns it off for all but the first). */
  restoreOnBoot: boolean;
  routeDomain: string;
  logLevel: string;
  logFormat: LogFormat;
  readinessTimeoutSeconds: number;
  drainTimeoutSeconds: number;
  rollbackWindowSeconds: number;
  stopGraceSeconds: number;
  /** Failed token checks per client address and window before the API answers 429. */
  authFailureLimits: { maxFailures: number; windowSeconds: number };
  /** AES-256 key for secret env values; without it, the key file in the data dir. */
  secretKey?: Buffer;
  /** Still accepted for decryption while values are re-encrypted under `secretKey`. */
  secretKeyPrevious?: Buffer;
  faultKillAt?: FaultPointName;
  /** How often the auto-update Schedule runs its pass. */
  autoUpdateIntervalMinutes: number;
  /** Outgoing event webhooks: backoff and attempts before a delivery is given up. */
  notificationRetry: DeliveryRetryPolicy;
  /** Private ranges a tenant's webhook may reach (domain/notifications/addressPolicy.ts). */
  notificationAllowedCidrs: Cidr[];
  /** Days a delivered or failed webhook delivery stays in its subscription's log. */
  notificationLogDays: number;
  /** Where images are resolved and pulled from; absent: releases by image are refused. */
  registry?: RegistryConfig;
}

export interface RegistryConfig {
  /** Start the embedded registry (npm start), which then hands its URL to the other processes. */
  embedded: boolean;
  /** Set when a registry runs already (given, or the embedded one once started). */
  url?: string;
  /** Never logged: redacted keys in src/logger.ts, and only ever put into Authorization headers. */
  credentials?: { username: string; password: string };
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
  if (e.SLIPWAY_APIS > 1 && (e.SLIPWAY_API_PORT === 0 || e.SLIPWAY_API_PORT + e.SLIPWAY_APIS - 1 > 65535)) {
    throw new ConfigError(
      `Invalid configuration:\n  SLIPWAY_API_PORT: ${e.SLIPWAY_APIS} APIs take ports SLIPWAY_API_PORT .. +${e.SLIPWAY_APIS - 1}; choose a first port between 1 and ${65536 - e.SLIPWAY_APIS}`,
    );
  }
  return {
    dataDir: path.resolve(e.SLIPWAY_DATA_DIR),
    artifactRoots: e.SLIPWAY_ARTIFACT_ROOT
      ? e.SLIPWAY_ARTIFACT_ROOT.split(':')
          .filter(Boolean)
          .map((r) => path.resolve(r))
      : [...DEFAULT_ARTIFACT_SOURCE_ROOTS],
    databaseUrl: e.DATABASE_URL,
    temporalAddress: e.TEMPORAL_ADDRESS,
    namespace: e.TEMPORAL_NAMESPACE,
    taskQueue: e.SLIPWAY_TASK_QUEUE,
    apiHost: e.SLIPWAY_API_HOST,
    apiPort: e.SLIPWAY_API_PORT,
    routerHost: e.SLIPWAY_ROUTER_HOST,
    router: e.SLIPWAY_ROUTER,
    compute: e.SLIPWAY_COMPUTE,
    dockerHost: e.DOCKER_HOST,
    kubeconfig: e.SLIPWAY_KUBECONFIG,
    routerPort: e.SLIPWAY_ROUTER_PORT,
    routerAdminPort: e.SLIPWAY_ROUTER_ADMIN_PORT,
    routerAdminUrl: e.SLIPWAY_ROUTER_ADMIN_URL ?? `http://127.0.0.1:${e.SLIPWAY_ROUTER_ADMIN_PORT}`,
    routerMaxBodyBytes: e.SLIPWAY_ROUTER_MAX_BODY_BYTES,
    haproxyThreads: e.SLIPWAY_HAPROXY_THREADS,
    haproxyErrorLog: e.SLIPWAY_HAPROXY_ERROR_LOG === '1',
    temporalPort: e.SLIPWAY_TEMPORAL_PORT,
    temporalUiPort: e.SLIPWAY_TEMPORAL_UI_PORT,
    temporal: e.SLIPWAY_TEMPORAL,
    temporalHistoryShards: e.SLIPWAY_TEMPORAL_HISTORY_SHARDS,
    workers: e.SLIPWAY_WORKERS,
    apis: e.SLIPWAY_APIS,
    restoreOnBoot: e.SLIPWAY_RESTORE_ON_BOOT === '1',
    routeDomain: e.SLIPWAY_ROUTE_DOMAIN,
    logLevel: e.LOG_LEVEL,
    logFormat: e.SLIPWAY_LOG_FORMAT,
    readinessTimeoutSeconds: e.SLIPWAY_READINESS_TIMEOUT_SECONDS,
    drainTimeoutSeconds: e.SLIPWAY_DRAIN_TIMEOUT_SECONDS,
    rollbackWindowSeconds: e.SLIPWAY_ROLLBACK_WINDOW_SECONDS,
    stopGraceSeconds: e.SLIPWAY_STOP_GRACE_SECONDS,
    authFailureLimits: { maxFailures: e.SLIPWAY_AUTH_FAILURE_LIMIT, windowSeconds: e.SLIPWAY_AUTH_FAILURE_WINDOW_SECONDS },
    secretKey: e.SLIPWAY_SECRET_KEY,
    secretKeyPrevious: e.SLIPWAY_SECRET_KEY_PREVIOUS,
    faultKillAt: e.SLIPWAY_FAULT_KILL_AT,
    autoUpdateIntervalMinutes: e.SLIPWAY_AUTO_UPDATE_INTERVAL_MINUTES,
    notificationRetry: {
      ...DEFAULT_DELIVERY_RETRY,
      initialDelayMs: e.SLIPWAY_NOTIFICATION_RETRY_INITIAL_MS,
      maxAttempts: e.SLIPWAY_NOTIFICATION_MAX_ATTEMPTS,
    },
    notificationAllowedCidrs: e.SLIPWAY_NOTIFICATION_ALLOWED_CIDRS,
    notificationLogDays: e.SLIPWAY_NOTIFICATION_LOG_DAYS,
    registry: registryConfig(e, env),
  };
}

function registryConfig(e: z.infer<typeof ConfigSchema>, env: NodeJS.ProcessEnv): RegistryConfig | undefined {
  if ((e.SLIPWAY_REGISTRY_USERNAME === undefined) !== (e.SLIPWAY_REGISTRY_PASSWORD === undefined)) {
    throw new ConfigError('Invalid configuration:\n  SLIPWAY_REGISTRY_USERNAME / SLIPWAY_REGISTRY_PASSWORD: set both or neither');
  }
  const credentials = e.SLIPWAY_REGISTRY_USERNAME
    ? { username: e.SLIPWAY_REGISTRY_USERNAME, password: e.SLIPWAY_REGISTRY_PASSWORD as string }
    : undefined;
  // Containers need a registry to pull from, so the docker provider gets the embedded one unless told otherwise.
  const value = e.SLIPWAY_REGISTRY ?? (env.SLIPWAY_COMPUTE === 'docker' ? 'embedded' : undefined);
  if (value === undefined) return undefined;
  if (value === 'embedded') return { embedded: true, credentials };
  return { embedded: false, url: value, credentials };
}

/** 32 bytes as 64 hex digits or as base64 / base64url; anything else is null. */
export function parseSecretKey(text: string): Buffer | null {
  const v = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(v)) return Buffer.from(v, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(v)) {
    const key = Buffer.from(v.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (key.length === 32) return key;
  }
  return null;
}

/** Where a process on this machine reaches a listener bound to `host` (a wildcard means loopback works). */
export function localUrlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === 'localhost') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}
