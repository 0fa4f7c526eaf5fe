import { sql } from 'kysely';
import { createDb, type Db } from '../../db/database';
import { migrateToLatest } from '../../db/migrate';
import { enqueueDeliveries, insertSubscription, pruneDeliveryLog, recordAttempt } from '../../db/queries/subscriptions';
import { createTestDatabase, type TestDatabase } from '../helpers/testDatabase';

describe('the notification delivery log is pruned', () => {
  let database: TestDatabase;
  let db: Db;

  beforeAll(async () => {
    database = await createTestDatabase();
    db = createDb(database.url);
    await migrateToLatest(db);
  });
  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  it('deletes delivered and failed deliveries past the window with their attempts, in batches, and keeps pending and recent ones', async () => {
    await insertSubscription(db, {
      id: 'sub-prune1',
      tenantId: 'acme',
      url: 'https://hooks.example.com/',
      events: ['operation.started'],
      secret: 's',
      secretKeyId: 'k',
      actor: 'test',
    });
    const rows = ['old-ok-1', 'old-ok-2', 'old-failed', 'old-pending', 'new-ok'].map((id) => ({
      id,
      subscriptionId: 'sub-prune1',
      eventType: 'operation.started',
      payload: { id },
    }));
    await enqueueDeliveries(db, rows);
    for (const id of ['old-ok-1', 'old-ok-2', 'new-ok'])
      await recordAttempt(db, { deliveryId: id, attempt: 1, statusCode: 204, error: null, durationMs: 3 }, { status: 'delivered' });
    await recordAttempt(
      db,
      { deliveryId: 'old-failed', attempt: 1, statusCode: 500, error: 'receiver answered 500', durationMs: 3 },
      { status: 'failed' },
    );
    await recordAttempt(
      db,
      { deliveryId: 'old-pending', attempt: 1, statusCode: 500, error: 'receiver answered 500', durationMs: 3 },
      { status: 'pending', retryInMs: 60_000 },
    );
    await db
      .updateTable('notification_deliveries')
      .set({ created_at: sql<Date>`now() - interval '31 days'` as unknown as Date })
      .where('id', 'like', 'old-%')
      .execute();

    expect(await pruneDeliveryLog(db, 30, 2)).toBe(2);
    expect(await pruneDeliveryLog(db, 30, 2)).toBe(1);
    expect(await pruneDeliveryLog(db, 30, 2)).toBe(0);

    const left = await db.selectFrom('notification_deliveries').select('id').orderBy('id').execute();
    expect(left.map((r) => r.id)).toEqual(['new-ok', 'old-pending']);
    const attempts = await db.selectFrom('notification_attempts').select('delivery_id').orderBy('delivery_id').execute();
    expect(attempts.map((r) => r.delivery_id)).toEqual(['new-ok', 'old-pending']);
  });
});
