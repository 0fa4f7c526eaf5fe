import { derivedId } from '../api/ids';
import type { DbOrTrx } from '../db/database';
import { findDeployment } from '../db/queries/deployments';
import { findMassUpgrade } from '../db/queries/massUpgrades';
import { findOperation } from '../db/queries/operations';
import { enqueueDeliveries, subscribersOf } from '../db/queries/subscriptions';
import type { JsonValue } from '../db/schema';
import type { EventType, MassUpgradeEventType, OperationEventType } from '../domain/notifications/events';

/**
 * The one place events enter the outbox. Each event has a stable id (the same event
 * emitted again by a retried activity has the same id), and each subscriber's copy a
 * delivery id of its own; both ride in the signed body, the delivery id also in a header.
 * Writing rows is all it does: sending happens in the dispatcher, so a slow or dead
 * receiver never holds up the operation.
 */
async function emit(db: DbOrTrx, type: EventType, eventKey: string, tenantId: string | null, data: Record<string, JsonValue>) {
  const subs = await subscribersOf(db, type, tenantId);
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
  const op = await findOperation(db, operationId);
  const d = op ? await findDeployment(db, op.deployment_id) : null;
  if (!op || !d) return;
  await emit(db, type, `${operationId}\0${phase ?? ''}`, d.tenant_id, {
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
