import type { FastifyRequest } from 'fastify';
import { findAppBySlug } from '../db/queries/apps';
import { webhookDeliverySeen } from '../db/queries/webhooks';
import type { App } from '../db/schema';
import { signatureMatches } from '../domain/signature';
import type { ApiContext } from './context';
import { ApiError, badRequest, conflict } from './errors';

export const SIGNATURE_HEADER = 'x-hub-signature-256';
/** Ours first; GitHub's when the push comes straight from GitHub. */
export const DELIVERY_HEADERS = ['x-slipway-delivery', 'x-github-delivery'] as const;

export const appWebhookSecretContext = (appId: string) => `app-webhook:${appId}`;

const badSignature = () =>
  new ApiError(401, 'bad_signature', `send ${SIGNATURE_HEADER}: sha256=<hex HMAC-SHA256 of the raw body under the app's webhook secret>`);

/**
 * The checks before a push may create anything, in this order: the signature (an unknown
 * app, an app without a secret and a wrong signature all look the same: 401), then the
 * body, then the delivery id and whether it was seen. Answers the app the push is for.
 */
export async function verifyPush(ctx: ApiContext, req: FastifyRequest, slug: string): Promise<{ app: App; deliveryId: string }> {
  const app = await findAppBySlug(ctx.db, slug);
  const secret =
    app?.webhook_secret && app.webhook_secret_key_id
      ? ctx.secrets.open({ value: app.webhook_secret, keyId: app.webhook_secret_key_id }, appWebhookSecretContext(app.id))
      : null;
  const presented = req.headers[SIGNATURE_HEADER];
  if (!app || !secret || !signatureMatches(secret, req.rawBody ?? Buffer.alloc(0), typeof presented === 'string' ? presented : undefined))
    throw badSignature();
  if (req.bodyError) throw req.bodyError;
  const header = DELIVERY_HEADERS.map((h) => req.headers[h]).find((v) => typeof v === 'string' && v.trim() !== '');
  const deliveryId = typeof header === 'string' ? header.trim() : '';
  if (!/^[A-Za-z0-9._:-]{1,200}$/.test(deliveryId))
    throw badRequest(`send a delivery id in ${DELIVERY_HEADERS.join(' or ')}`, [
      { field: `headers.${DELIVERY_HEADERS[0]}`, message: '1-200 letters, digits, . _ : -' },
    ]);
  if (await webhookDeliverySeen(ctx.db, app.id, deliveryId)) throw replayed(deliveryId);
  return { app, deliveryId };
}

export const replayed = (deliveryId: string) =>
  conflict('delivery_replayed', `delivery ${deliveryId} was already received; a push is acted on once`);
