import type { Logger } from '../logger';
import { runStreaming } from './buildTools';
import type { TemporalSqlTarget } from './temporalServerConfig';

/**
 * Creates and upgrades the Temporal server's two databases with its own schema tool
 * (TEMPORAL-SERVER.md §4). Every step is idempotent: an existing database, a schema already at
 * 0.0 and an up-to-date version are all exit 0, so this runs on every start and upgrades the
 * schema after a server version bump.
 */
export async function setUpTemporalSchema(sqlTool: string, target: TemporalSqlTarget, logger: Logger): Promise<void> {
  const started = Date.now();
  const steps: [string, string][] = [
    [target.database, 'postgresql/v12/temporal'],
    [target.visibilityDatabase, 'postgresql/v12/visibility'],
  ];
  for (const [database, schemaName] of steps) {
    for (const command of [['create-database'], ['setup-schema', '-v', '0.0'], ['update-schema', '--schema-name', schemaName]]) {
      await runSqlTool(sqlTool, target, database, command, logger);
    }
  }
  logger.debug({ ms: Date.now() - started }, 'Temporal schema up to date');
}

async function runSqlTool(sqlTool: string, target: TemporalSqlTarget, database: string, command: string[], logger: Logger): Promise<void> {
  // --plugin and --port must always be given: the tool defaults to mysql8 and 3306.
  const args = [
    '--plugin',
    'postgres12',
    '--ep',
    target.host,
    '--port',
    String(target.port),
    '--user',
    target.user,
    '--db',
    database,
    ...command,
  ];
  // The password goes through the environment, never the command line (visible in ps).
  const env = { ...process.env, SQL_PASSWORD: target.password };
  const result = await runStreaming(sqlTool, args, env, logger, 'temporal-sql-tool');
  if (result.code !== 0) {
    throw new Error(
      `temporal-sql-tool ${command[0]} on database ${database} failed (exit ${result.code}). Last output:\n${result.tail.slice(-15).join('\n')}`,
    );
  }
}
