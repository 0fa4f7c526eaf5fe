import type { DbOrTrx } from '../database';
import type { Sealed } from '../secretCipher';

export async function setAppWebhookSecret(db: DbOrTrx, appId: string, sealed: Sealed): Promise<void> {
  await db.updateTable('apps').set({ webhook_secret: sealed.value, webhook_secret_key_id: sealed.keyId }).where('id', '=', appId).execute();
}

/** False when this delivery id was seen for the app before: the push is a replay. */
export async function recordWebhookDelivery(
  db: DbOrTrx,
  d: { appId: string; deliveryId: string; releaseVersion: string },
): Promise<boolean> {
  const row = await db
    .insertInto('webhook_deliveries')
    .values({ app_id: d.appId, delivery_id: d.deliveryId, release_version: d.releaseVersion })
    .onConflict((oc) => oc.columns(['app_id', 'delivery_id']).doNothing())
    .returning('delivery_id')
    .executeTakeFirst();
  return row !== undefined;
}

export async function webhookDeliverySeen(db: DbOrTrx, appId: string, deliveryId: string): Promise<boolean> {
  const row = await db
    .selectFrom('webhook_deliveries')
    .select('delivery_id')
    .where('app_id', '=', appId)
    .where('delivery_id', '=', deliveryId)
    .executeTakeFirst();
  return row !== undefined;
}
