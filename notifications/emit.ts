import { derivedId } from '../api/ids';
import type { DbOrTrx } from '../db/database';
import { findDeployment } from '../db/queries/deployments';
import { findMassUpgrade } from '../db/queries/massUpgrades';
import { findOperation } from '../db/queries/operations';
import { enqueueDeliveries, subscribersOf, subscribersOfOperation } from '../db/queries/subscriptions';
import type { JsonValue, Subscription } from '../db/schema';
import type { EventType, MassUpgradeEventType, OperationEventType } from '../domain/notifications/events';

/** An event of a tenant (or of none): its subscribers, then the outbox. */
async function emit(db: DbOrTrx, type: EventType, eventKey: string, tenantId: string | null, data: Record<string, JsonValue>) {
  await enqueueFor(db, await subscribersOf(db, type, tenantId), type, eventKey, tenantId, data);
}

/**
 * The one place events enter the outbox. Each event has a stable id (the same event
 * emitted again by a retried activity has the same id), and each subscriber's copy a
 * delivery id of its own; both ride in the signed body, the delivery id also in a header.
 * Writing rows is all it does: sending happens in the dispatcher, so a slow or dead
 * receiver never holds up the operation.
 */
async function enqueueFor(
  db: DbOrTrx,
  subs: Subscription[],
  type: EventType,
  eventKey: string,
  tenantId: string | null,
  data: Record<string, JsonValue>,
) {
  if (subs.length === 0) return;
  const eventId = derivedId('evt', 16, `event\0${type}\0${eventKey}`);
  const createdAt = new Date().toISOString();
  await enqueueDeliveries(
    db,
    subs.map((s) => {
      const id = derivedId('evt', 16, `delivery\0${s.id}\0${eventId}`);
      return { id, subscriptionId: s.id, eventType: type, payload: { id: eventId, deliveryId: id, type, createdAt, tenantId, data } };
    }),
  );
}

/** started, phase (with its name), succeeded, failed, awaiting_promotion of one operation; nothing secret goes in. */
export async function emitOperationEvent(db: DbOrTrx, type: OperationEventType, operationId: string, phase?: string): Promise<void> {
  // Who listens first: with nobody subscribed (the usual case) that is the only query.
  const subs = await subscribersOfOperation(db, type, operationId);
  if (subs.length === 0) return;
  const op = await findOperation(db, operationId);
  const d = op ? await findDeployment(db, op.deployment_id) : null;
  if (!op || !d) return;
  // Subscribers of the tenant read above: the same rows subscribersOf(type, d.tenant_id) gives.
  await enqueueFor(db, subs, type, `${operationId}\0${phase ?? ''}`, d.tenant_id, {
    operation: {
      id: op.id,
      kind: op.kind,
      trigger: op.trigger,
      status: op.status,
      phase: phase ?? op.phase,
      fromVersion: op.from_version,
      toVersion: op.to_version,
      error: op.error_type ? { type: op.error_type, message: op.error_message } : null,
    },
    deployment: { id: d.id, name: d.name, tenantId: d.tenant_id, hostname: d.hostname },
  });
}

/** A fleet rollout's status changes: admins' subscriptions only (it spans tenants). */
export async function emitMassUpgradeEvent(db: DbOrTrx, type: MassUpgradeEventType, massUpgradeId: string): Promise<void> {
  const m = await findMassUpgrade(db, massUpgradeId);
  if (!m) return;
  await emit(db, type, massUpgradeId, null, {
    massUpgrade: {
      id: m.id,
      targetVersion: m.target_version,
      status: m.status,
      haltReason: m.halt_reason,
      progress: (m.progress ?? null) as JsonValue,
    },
  });
}
