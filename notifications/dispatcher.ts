import type { Db } from '../db/database';
import { leaseDueDeliveries, pruneDeliveryLog, recordAttempt, type DueDelivery } from '../db/queries/subscriptions';
import type { SecretCipher } from '../db/secretCipher';
import { nextAttemptDelayMs, type DeliveryRetryPolicy } from '../domain/notifications/retry';
import { signBody } from '../domain/signature';
import type { Logger } from '../ports/logger';
import { tenantMayReach, type Cidr } from '../domain/notifications/addressPolicy';
import { postBody } from './guardedPost';

export const DELIVERY_HEADERS = {
  event: 'x-slipway-event',
  delivery: 'x-slipway-delivery',
  signature: 'x-slipway-signature-256',
} as const;

export interface DispatcherDeps {
  db: Db;
  secrets: SecretCipher;
  logger: Logger;
  retry: DeliveryRetryPolicy;
  /** Idle wait between looks at the outbox. */
  pollMs: number;
  /** One attempt's deadline; a receiver slower than this counts as failed and is tried again. */
  attemptTimeoutMs: number;
  /** Private ranges a tenant's subscription may still reach (SLIPWAY_NOTIFICATION_ALLOWED_CIDRS). */
  tenantAllowedCidrs: readonly Cidr[];
  /** Delivered and failed deliveries older than this are deleted with their attempts. */
  logRetentionDays: number;
}

const PRUNE_EVERY_MS = 3_600_000;
const PRUNE_BATCH = 1000;

const BATCH = 20;

/** The secret's context binds the ciphertext to its subscription row (db/secretCipher.ts). */
export const subscriptionSecretContext = (id: string) => `subscription:${id}`;

/**
 * Drains the outbox (notification_deliveries) in the worker process: leases due rows, posts
 * each signed body, logs the attempt, and reschedules failures with backoff until the policy
 * gives up. The rows are the durable part: a dispatcher killed mid-send leaves its lease to
 * run out and the delivery is sent again (receivers de-duplicate by the delivery id).
 */
export function startNotificationDispatcher(deps: DispatcherDeps): {
  stop(): Promise<void>;
  drainOnce(): Promise<number>;
} {
  let stopped = false;
  let wake: (() => void) | undefined;
  const leaseMs = deps.attemptTimeoutMs * 2 + 1000;

  const drainOnce = async (): Promise<number> => {
    const due = await leaseDueDeliveries(deps.db, BATCH, leaseMs);
    await Promise.all(due.map((d) => deliver(deps, d)));
    return due.length;
  };

  // Every worker prunes about hourly; a second one doing it too deletes nothing twice.
  let prunedAt = 0;
  const pruneIfDue = async () => {
    if (Date.now() - prunedAt < PRUNE_EVERY_MS) return;
    prunedAt = Date.now();
    let deleted = 0;
    for (let n = PRUNE_BATCH; n === PRUNE_BATCH && !stopped; deleted += n)
      n = await pruneDeliveryLog(deps.db, deps.logRetentionDays, PRUNE_BATCH);
    if (deleted > 0) deps.logger.info({ deleted, olderThanDays: deps.logRetentionDays }, 'pruned the notification delivery log');
  };

  const loop = (async () => {
    while (!stopped) {
      let n = 0;
      await pruneIfDue().catch((err: unknown) => deps.logger.warn({ err }, 'notification delivery log not pruned; trying again later'));
      try {
        n = await drainOnce();
      } catch (err) {
        deps.logger.warn({ err }, 'notification outbox not readable; trying again');
      }
      if (n === 0 && !stopped) await new Promise<void>((r) => ((wake = r), setTimeout(r, deps.pollMs)));
    }
  })();

  return {
    drainOnce,
    async stop() {
      stopped = true;
      wake?.();
      await loop;
    },
  };
}

async function deliver(deps: DispatcherDeps, d: DueDelivery): Promise<void> {
  const attempt = d.attempts + 1;
  const body = JSON.stringify(d.payload);
  const started = Date.now();
  let statusCode: number | null = null;
  let error: string | null = null;
  try {
    const secret = deps.secrets.open({ value: d.secret, keyId: d.secret_key_id }, subscriptionSecretContext(d.subscription_id));
    // An admin's subscription is the operator's own; a tenant's may reach public addresses only.
    const mayReach = d.owner_tenant_id === null ? undefined : (address: string) => tenantMayReach(address, deps.tenantAllowedCidrs);
    const status = await postBody(
      d.url,
      body,
      {
        'content-type': 'application/json',
        'user-agent': 'Slipway-Notifications',
        [DELIVERY_HEADERS.event]: d.event_type,
        [DELIVERY_HEADERS.delivery]: d.id,
        [DELIVERY_HEADERS.signature]: signBody(secret, body),
      },
      { timeoutMs: deps.attemptTimeoutMs, mayReach },
    );
    statusCode = status;
    if (status < 200 || status >= 300) error = `receiver answered ${status}`;
  } catch (err) {
    error = err instanceof Error ? `${err.name}: ${err.message}`.slice(0, 500) : 'delivery failed';
  }
  const durationMs = Date.now() - started;
  const retryInMs = error ? nextAttemptDelayMs(attempt, deps.retry) : null;
  const next = !error
    ? { status: 'delivered' as const }
    : retryInMs === null
      ? { status: 'failed' as const }
      : { status: 'pending' as const, retryInMs };
  await recordAttempt(deps.db, { deliveryId: d.id, attempt, statusCode, error, durationMs }, next);
  if (error)
    deps.logger.info(
      { deliveryId: d.id, subscriptionId: d.subscription_id, attempt, error, next: next.status },
      'notification delivery failed',
    );
}
