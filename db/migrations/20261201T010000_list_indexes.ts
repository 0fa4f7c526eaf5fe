import { Kysely } from 'kysely';

// Frozen in time: this file imports nothing from the application.

// Every list is a keyset page in (created_at, id) order, newest first, narrowed by the
// filters a fleet needs. Each index leads with a filter and ends with the sort key, so a
// page reads only its own rows in order and stops after limit + 1.
const INDEXES: [name: string, table: string, columns: string[]][] = [
  ['deployments_page_idx', 'deployments', ['created_at', 'id']],
  ['deployments_tenant_page_idx', 'deployments', ['tenant_id', 'created_at', 'id']],
  ['deployments_app_page_idx', 'deployments', ['app_id', 'created_at', 'id']],
  ['deployments_status_page_idx', 'deployments', ['status', 'created_at', 'id']],
  ['deployments_serving_page_idx', 'deployments', ['serving_version', 'created_at', 'id']],
  ['deployments_updated_idx', 'deployments', ['updated_at']],
  ['operations_page_idx', 'operations', ['created_at', 'id']],
  ['operations_status_page_idx', 'operations', ['status', 'created_at', 'id']],
  ['operations_deployment_page_idx', 'operations', ['deployment_id', 'created_at', 'id']],
  ['releases_app_page_idx', 'releases', ['app_id', 'created_at', 'id']],
  ['mass_upgrades_page_idx', 'mass_upgrades', ['created_at', 'id']],
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const [name, table, columns] of INDEXES) await db.schema.createIndex(name).ifNotExists().on(table).columns(columns).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const [name] of INDEXES) await db.schema.dropIndex(name).ifExists().execute();
}
