import { Kysely, sql } from 'kysely';

// Frozen in time: this file imports nothing from the application.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('apps')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('slug', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('releases')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('app_id', 'bigint', (c) => c.notNull().references('apps.id'))
    .addColumn('version', 'text', (c) => c.notNull())
    .addColumn('manifest', 'jsonb', (c) => c.notNull())
    .addColumn('artifact_digest', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .defaultTo('active')
        .check(sql`status in ('active', 'yanked')`),
    )
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('releases_app_version_key', ['app_id', 'version'])
    .execute();

  // A release is immutable: the database itself refuses to change what it runs.
  await sql`
    create function releases_immutable() returns trigger language plpgsql as $$
    begin
      if new.version is distinct from old.version
         or new.manifest is distinct from old.manifest
         or new.artifact_digest is distinct from old.artifact_digest
         or new.app_id is distinct from old.app_id then
        raise exception 'release % of app % is immutable: create a new release instead', old.version, old.app_id
          using errcode = 'check_violation';
      end if;
      return new;
    end $$`.execute(db);
  await sql`create trigger releases_immutable before update on releases
            for each row execute function releases_immutable()`.execute(db);

  await db.schema
    .createTable('deployments')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('app_id', 'bigint', (c) => c.notNull().references('apps.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('hostname', 'text', (c) => c.notNull().unique())
    .addColumn('release_version', 'text', (c) => c.notNull())
    .addColumn('serving_version', 'text')
    .addColumn('previous_version', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('progress', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('strategy', 'text', (c) => c.notNull())
    .addColumn('active_slot', 'text')
    .addColumn('config_revision', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('serving_config_revision', 'integer')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('deployments_tenant_name_key', ['tenant_id', 'name'])
    .execute();
  await db.schema.createIndex('deployments_tenant_idx').on('deployments').columns(['tenant_id', 'status']).execute();
  await db.schema.createIndex('deployments_app_idx').on('deployments').columns(['app_id', 'release_version']).execute();

  // Tenant values and generated secrets. Generated ones are written once and reused by
  // every retry, so a retried deploy sees the same secret as the attempt that failed.
  await db.schema
    .createTable('deployment_env_vars')
    .addColumn('deployment_id', 'text', (c) => c.notNull().references('deployments.id'))
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull().check(sql`source in ('tenant', 'generated')`))
    .addColumn('secret', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('deployment_env_vars_pkey', ['deployment_id', 'key'])
    .execute();

  await db.schema
    .createTable('operations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('deployment_id', 'text', (c) => c.notNull().references('deployments.id'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('trigger', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('from_version', 'text')
    .addColumn('to_version', 'text')
    .addColumn('config_revision', 'integer', (c) => c.notNull())
    .addColumn('strategy', 'text')
    .addColumn('workflow_id', 'text', (c) => c.notNull())
    .addColumn('run_id', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('phase', 'text')
    .addColumn('error_type', 'text')
    .addColumn('error_message', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('started_at', 'timestamptz')
    .addColumn('finished_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('operations_deployment_idx').on('operations').columns(['deployment_id', 'created_at']).execute();

  // step is a stable label per phase so a retried activity does not log the same line twice.
  await db.schema
    .createTable('operation_logs')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('operation_id', 'text', (c) => c.notNull().references('operations.id'))
    .addColumn('phase', 'text', (c) => c.notNull())
    .addColumn('step', 'text', (c) => c.notNull())
    .addColumn('level', 'text', (c) => c.notNull())
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('operation_logs_step_key', ['operation_id', 'phase', 'step'])
    .execute();

  // Running revisions, so a new worker knows what an old one started.
  await db.schema
    .createTable('revisions')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('deployment_id', 'text', (c) => c.notNull().references('deployments.id'))
    .addColumn('operation_id', 'text', (c) => c.notNull())
    .addColumn('release_version', 'text', (c) => c.notNull())
    .addColumn('config_revision', 'integer', (c) => c.notNull())
    .addColumn('slot', 'text', (c) => c.notNull())
    .addColumn('url', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('stopped_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('revisions_deployment_idx').on('revisions').columns(['deployment_id', 'status']).execute();

  await db.schema
    .createTable('api_tokens')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('admin', 'tenant')`))
    .addColumn('tenant_id', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('revoked_at', 'timestamptz')
    .addCheckConstraint('api_tokens_tenant_check', sql`(role = 'admin') = (tenant_id is null)`)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['api_tokens', 'revisions', 'operation_logs', 'operations', 'deployment_env_vars', 'deployments', 'releases', 'apps']) {
    await db.schema.dropTable(t).ifExists().execute();
  }
  await sql`drop function if exists releases_immutable()`.execute(db);
}
