import { sql } from 'kysely';
import type { DbOrTrx } from '../database';
import type { JsonValue, NotificationAttempt, NotificationDelivery, Subscription } from '../schema';

export async function insertSubscription(
  db: DbOrTrx,
  s: { id: string; tenantId: string | null; url: string; events: string[]; secret: string; secretKeyId: string; actor: string },
): Promise<Subscription> {
  return db
    .insertInto('subscriptions')
    .values({
      id: s.id,
      tenant_id: s.tenantId,
      url: s.url,
      events: JSON.stringify(s.events),
      secret: s.secret,
      secret_key_id: s.secretKeyId,
      actor: s.actor,
      deleted_at: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** The owner boundary: a tenant sees its own subscriptions, an admin the admins' (tenant null). */
export function listSubscriptions(db: DbOrTrx, tenantId: string | null): Promise<Subscription[]> {
  const q = db.selectFrom('subscriptions').selectAll().where('deleted_at', 'is', null);
  return (tenantId === null ? q.where('tenant_id', 'is', null) : q.where('tenant_id', '=', tenantId)).orderBy('created_at').execute();
}

export async function findSubscription(db: DbOrTrx, id: string, tenantId: string | null): Promise<Subscription | null> {
  const q = db.selectFrom('subscriptions').selectAll().where('id', '=', id).where('deleted_at', 'is', null);
  return (await (tenantId === null ? q.where('tenant_id', 'is', null) : q.where('tenant_id', '=', tenantId)).executeTakeFirst()) ?? null;
}

/** Soft delete: the delivery log stays readable to whoever reads the database, and pending deliveries stop. */
export async function deleteSubscription(db: DbOrTrx, id: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('subscriptions')
      .set({ deleted_at: sql<Date>`now()` as unknown as Date })
      .where('id', '=', id)
      .execute();
    await trx
      .updateTable('notification_deliveries')
      .set({ status: 'failed', last_error: 'subscription deleted' })
      .where('subscription_id', '=', id)
      .where('status', '=', 'pending')
      .execute();
  });
}

/**
 * Who hears an event: a tenant's event reaches that tenant's subscriptions and the admins';
 * an event of no tenant (a mass upgrade) reaches the admins' only.
 */
export async function subscribersOf(db: DbOrTrx, eventType: string, tenantId: string | null): Promise<Subscription[]> {
  let q = db
    .selectFrom('subscriptions')
    .selectAll()
    .where('deleted_at', 'is', null)
    .where(sql<boolean>`events ? ${eventType}`);
  q =
    tenantId === null
      ? q.where('tenant_id', 'is', null)
      : q.where((eb) => eb.or([eb('tenant_id', 'is', null), eb('tenant_id', '=', tenantId)]));
  return q.execute();
}

/**
 * subscribersOf for an event of one operation, the tenant read from its deployment in the
 * same query: one round trip where there were three (operation, deployment, subscriptions),
 * and an operation emits about seven events, most often to nobody.
 */
export async function subscribersOfOperation(db: DbOrTrx, eventType: string, operationId: string): Promise<Subscription[]> {
  const tenantOfOperation = db
    .selectFrom('operations')
    .innerJoin('deployments', 'deployments.id', 'operations.deployment_id')
    .select('deployments.tenant_id')
    .where('operations.id', '=', operationId);
  return db
    .selectFrom('subscriptions')
    .selectAll()
    .where('deleted_at', 'is', null)
    .where(sql<boolean>`events ? ${eventType}`)
    .where((eb) => eb.or([eb('tenant_id', 'is', null), eb('tenant_id', '=', tenantOfOperation)]))
    .execute();
}

/** The outbox write; a repeated event (a retried activity) has the same ids and adds nothing. */
export async function enqueueDeliveries(
  db: DbOrTrx,
  rows: { id: string; subscriptionId: string; eventType: string; payload: JsonValue }[],
) {
  if (rows.length === 0) return;
  await db
    .insertInto('notification_deliveries')
    .values(rows.map((r) => ({ id: r.id, subscription_id: r.subscriptionId, event_type: r.eventType, payload: JSON.stringify(r.payload) })))
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
}

/** `owner_tenant_id` is the subscription's tenant (null: an admin's subscription). */
export type DueDelivery = NotificationDelivery & { url: string; secret: string; secret_key_id: string; owner_tenant_id: string | null };

/**
 * Takes up to `limit` due deliveries, pushing their next attempt `leaseMs` ahead in the same
 * statement: another dispatcher (a second worker) skips them, and a dispatcher that dies
 * mid-delivery leaves them to be tried again when the lease runs out.
 */
export async function leaseDueDeliveries(db: DbOrTrx, limit: number, leaseMs: number): Promise<DueDelivery[]> {
  const rows = await sql<DueDelivery>`
    with due as (
      select id from notification_deliveries
      where status = 'pending' and next_attempt_at <= now()
      order by next_attempt_at
      limit ${limit}
      for update skip locked
    )
    update notification_deliveries n
    set next_attempt_at = now() + make_interval(secs => ${leaseMs / 1000})
    from due, subscriptions s
    where n.id = due.id and s.id = n.subscription_id
    returning n.*, s.url, s.secret, s.secret_key_id, s.tenant_id as owner_tenant_id`.execute(db);
  return rows.rows;
}

export async function recordAttempt(
  db: DbOrTrx,
  a: { deliveryId: string; attempt: number; statusCode: number | null; error: string | null; durationMs: number },
  next: { status: 'delivered' } | { status: 'pending'; retryInMs: number } | { status: 'failed' },
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('notification_attempts')
      .values({ delivery_id: a.deliveryId, attempt: a.attempt, status_code: a.statusCode, error: a.error, duration_ms: a.durationMs })
      .execute();
    await trx
      .updateTable('notification_deliveries')
      .set({
        attempts: a.attempt,
        status: next.status,
        last_error: a.error,
        ...(next.status === 'delivered' ? { delivered_at: sql<Date>`now()` as unknown as Date } : {}),
        ...(next.status === 'pending'
          ? { next_attempt_at: sql<Date>`now() + make_interval(secs => ${next.retryInMs / 1000})` as unknown as Date }
          : {}),
      })
      .where('id', '=', a.deliveryId)
      .execute();
  });
}

/** A subscription's delivery log, newest first, each delivery with its attempts in order. */
export async function listDeliveries(
  db: DbOrTrx,
  subscriptionId: string,
  limit: number,
): Promise<(NotificationDelivery & { attempt_rows: NotificationAttempt[] })[]> {
  const deliveries = await db
    .selectFrom('notification_deliveries')
    .selectAll()
    .where('subscription_id', '=', subscriptionId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  if (deliveries.length === 0) return [];
  const attempts = await db
    .selectFrom('notification_attempts')
    .selectAll()
    .where(
      'delivery_id',
      'in',
      deliveries.map((d) => d.id),
    )
    .orderBy('id')
    .execute();
  return deliveries.map((d) => ({ ...d, attempt_rows: attempts.filter((a) => a.delivery_id === d.id) }));
}

/**
 * Deletes delivered and failed deliveries older than `days`, with their attempts, at most
 * `limit` at a time (the caller repeats while it returns `limit`). Pending ones stay whatever
 * their age: they are still owed to a receiver.
 */
export async function pruneDeliveryLog(db: DbOrTrx, days: number, limit: number): Promise<number> {
  const result = await sql`
    with old as (
      select id from notification_deliveries
      where status <> 'pending' and created_at < now() - make_interval(days => ${days})
      order by created_at
      limit ${limit}
    ), attempts as (
      delete from notification_attempts a using old where a.delivery_id = old.id
    )
    delete from notification_deliveries n using old where n.id = old.id`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}
