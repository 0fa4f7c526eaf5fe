import { Kysely, PostgresDialect, type Transaction } from 'kysely';
import pg from 'pg';
import type { Database } from './schema';

export type Db = Kysely<Database>;
/** Repositories take either; the caller owns the transaction. */
export type DbOrTrx = Kysely<Database> | Transaction<Database>;

// int8 (bigserial ids, counts) arrive as strings by default; keep them strings on purpose
// (ids are opaque) but make count(*) style numerics usable by callers that cast.
export function createDb(connectionString: string, opts: { max?: number } = {}): Db {
  const pool = new pg.Pool({
    connectionString,
    max: opts.max ?? 10,
    // A restarted Postgres must not leave the pool with dead sockets forever.
    idleTimeoutMillis: 10_000,
    connectionTimeoutMillis: 5_000,
  });
  // A dropped connection emits 'error' on idle clients; without a listener it kills the process.
  pool.on('error', () => undefined);
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}
