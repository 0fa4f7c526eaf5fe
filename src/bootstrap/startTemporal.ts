import type { Config } from '../config';
import { dataPaths } from '../dataPaths';
import type { Logger } from '../logger';
import { ensureTemporalCli } from './temporalCli';
import { startTemporalDevServer } from './temporalDevServer';
import { startTemporalServer } from './temporalServer';
import { ensureTemporalServerBinaries } from './temporalServerBinaries';

/** The Temporal `npm start` runs when TEMPORAL_ADDRESS is unset: the dev server, or (SLIPWAY_TEMPORAL=server) a real one. */
export interface LocalTemporal {
  /** For the start-up and stop lines. */
  what: string;
  address: string;
  uiUrl?: string;
  stop(): Promise<void>;
}

export interface StartLocalTemporalOptions {
  config: Config;
  /** Postgres the real server keeps its own `temporal` and `temporal_visibility` databases in. */
  postgresUrl: string;
  logger: Logger;
}

export async function startLocalTemporal({ config, postgresUrl, logger }: StartLocalTemporalOptions): Promise<LocalTemporal> {
  if (config.temporal === 'server') {
    const binaries = await ensureTemporalServerBinaries({ logger });
    const server = await startTemporalServer({
      binaries,
      postgresUrl,
      dir: dataPaths(config.dataDir).temporalServer,
      port: config.temporalPort,
      namespace: config.namespace,
      historyShards: config.temporalHistoryShards,
      logger,
    });
    return { what: 'the Temporal server', address: server.address, stop: server.stop };
  }
  const cliPath = await ensureTemporalCli({ logger });
  const dev = await startTemporalDevServer({
    cliPath,
    dbFile: dataPaths(config.dataDir).temporalDb,
    port: config.temporalPort,
    uiPort: config.temporalUiPort,
    namespace: config.namespace,
    logger,
  });
  return { what: 'the Temporal dev server', address: dev.address, uiUrl: dev.uiUrl, stop: dev.stop };
}
