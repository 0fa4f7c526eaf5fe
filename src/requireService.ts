import type { Config } from './config';

/** Worker and API processes need servers; `npm start` provides them, standalone runs must. */
export function requireServices(config: Config): { databaseUrl: string; temporalAddress: string } {
  const missing = [!config.databaseUrl && 'DATABASE_URL', !config.temporalAddress && 'TEMPORAL_ADDRESS'].filter(Boolean);
  if (missing.length > 0) {
    throw new Error(
      `${missing.join(' and ')} must be set to run this process on its own; or run everything with \`npm start\`, which starts embedded servers`,
    );
  }
  return { databaseUrl: config.databaseUrl as string, temporalAddress: config.temporalAddress as string };
}
