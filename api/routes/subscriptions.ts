import { randomBytes } from 'node:crypto';
import type { ApiApp } from '../app';
import {
  deleteSubscription,
  findSubscription,
  insertSubscription,
  listDeliveries,
  listSubscriptions,
} from '../../db/queries/subscriptions';
import type { NotificationAttempt, NotificationDelivery, Subscription } from '../../db/schema';
import { literalHostVerdict } from '../../domain/notifications/addressPolicy';
import { isMassUpgradeEvent } from '../../domain/notifications/events';
import { subscriptionSecretContext } from '../../notifications/dispatcher';
import { principalOf } from '../auth';
import type { ApiContext } from '../context';
import { badRequest, notFound } from '../errors';
import { newId } from '../ids';
import { DeliveryView, SubscriptionCreated, SubscriptionView } from '../responseSchemas';
import { routeSchema } from '../routeSchema';
import { CreateSubscriptionBody, ListDeliveriesQuery, SubscriptionParams } from '../schemas';

function presentSubscription(s: Subscription) {
  return { id: s.id, url: s.url, events: s.events, tenantId: s.tenant_id, createdAt: s.created_at };
}

function presentDelivery(d: NotificationDelivery & { attempt_rows: NotificationAttempt[] }) {
  const payload = d.payload as { id?: string };
  return {
    id: d.id,
    eventId: payload.id ?? d.id,
    type: d.event_type,
    status: d.status,
    attempts: d.attempt_rows.map((a) => ({
      attempt: a.attempt,
      statusCode: a.status_code,
      error: a.error,
      durationMs: a.duration_ms,
      at: a.created_at,
    })),
    nextAttemptAt: d.status === 'pending' ? d.next_attempt_at : null,
    createdAt: d.created_at,
    deliveredAt: d.delivered_at,
  };
}

/**
 * Outgoing event webhooks. A tenant's subscriptions hear that tenant's operations only; an
 * admin's hear every tenant's and the mass upgrades. Each owner sees and deletes only its own.
 */
export function subscriptionRoutes(app: ApiApp, ctx: ApiContext): void {
  const create = routeSchema({
    summary: 'Subscribe a URL to events (the signing secret is shown once)',
    access: 'token',
    body: CreateSubscriptionBody,
    responses: { 201: { description: 'created', schema: SubscriptionCreated } },
  });
  app.post('/api/subscriptions', { schema: create, config: { idempotencyRedact: ['secret'] } }, async (req, reply) => {
    const p = principalOf(req);
    const body = req.body;
    if (p.role === 'tenant' && body.events.some(isMassUpgradeEvent))
      throw badRequest('mass-upgrade events span tenants: only admin tokens may subscribe to them', [
        { field: 'body.events', message: 'mass_upgrade.* needs an admin token' },
      ]);
    if (p.role === 'tenant') {
      // Names are judged again at every delivery, when they resolve; this catches the obvious early.
      const verdict = literalHostVerdict(new URL(body.url).hostname, ctx.notificationAllowedCidrs ?? []);
      if (!verdict.ok) throw badRequest(verdict.reason, [{ field: 'body.url', message: verdict.reason }]);
    }
    const id = newId('sub', 12);
    const secret = randomBytes(32).toString('base64url');
    const sealed = ctx.secrets.seal(secret, subscriptionSecretContext(id));
    const row = await insertSubscription(ctx.db, {
      id,
      tenantId: p.tenantId,
      url: body.url,
      events: [...new Set(body.events)],
      secret: sealed.value,
      secretKeyId: sealed.keyId,
      actor: p.actor,
    });
    return reply.status(201).send({ ...presentSubscription(row), secret });
  });

  const list = routeSchema({
    summary: 'Your subscriptions (no secrets)',
    access: 'token',
    responses: { 200: { description: 'the subscriptions', schema: SubscriptionView.array() } },
  });
  app.get('/api/subscriptions', { schema: list }, async (req) =>
    (await listSubscriptions(ctx.db, principalOf(req).tenantId)).map(presentSubscription),
  );

  const remove = routeSchema({
    summary: 'Delete a subscription; its pending deliveries stop',
    access: 'token',
    params: SubscriptionParams,
    responses: { 200: { description: 'the deleted subscription', schema: SubscriptionView } },
  });
  app.delete('/api/subscriptions/:id', { schema: remove }, async (req) => {
    const s = await findSubscription(ctx.db, req.params.id, principalOf(req).tenantId);
    if (!s) throw notFound(`subscription ${req.params.id}`);
    await deleteSubscription(ctx.db, s.id);
    return presentSubscription(s);
  });

  const deliveries = routeSchema({
    summary: "A subscription's delivery log, newest first, with every attempt",
    access: 'token',
    params: SubscriptionParams,
    query: ListDeliveriesQuery,
    responses: { 200: { description: 'deliveries', schema: DeliveryView.array() } },
  });
  app.get('/api/subscriptions/:id/deliveries', { schema: deliveries }, async (req) => {
    const s = await findSubscription(ctx.db, req.params.id, principalOf(req).tenantId);
    if (!s) throw notFound(`subscription ${req.params.id}`);
    return (await listDeliveries(ctx.db, s.id, req.query.limit)).map(presentDelivery);
  });
}
