import { Client } from '@temporalio/client';
import { buildApp } from '../../api/app';
import { createDb } from '../../db/database';
import { killAt } from '../../ports/faultPoints';
import { createArtifactStore } from '../../compute/local/artifactStore';
import { dataPaths } from '../dataPaths';
import { createImageRegistry } from '../imageRegistry';
import { requireServices } from '../requireService';
import { loadSecretCipher } from '../secretKey';
import { ensureAutoUpdateSchedule } from '../autoUpdateSchedule';
import { runProcess } from './runProcess';
import { createTrafficRouter } from '../trafficRouter';
import { connectTemporal } from '../temporalConnection';

runProcess('api', async (config, logger) => {
  const { databaseUrl, temporalAddress } = requireServices(config);
  const db = createDb(databaseUrl);
  const connection = await connectTemporal({ address: temporalAddress });
  const client = new Client({ connection, namespace: config.namespace });
  await ensureAutoUpdateSchedule(client, config.taskQueue, config.autoUpdateIntervalMinutes, logger);
  const app = buildApp({
    db,
    temporal: { client, taskQueue: config.taskQueue },
    artifacts: createArtifactStore(dataPaths(config.dataDir).artifacts, { sourceRoots: config.artifactRoots }),
    images: createImageRegistry(config),
    logger,
    faults: killAt(config.faultKillAt),
    routerPublicPort: config.routerPort,
    routeDomain: config.routeDomain,
    authFailureLimits: config.authFailureLimits,
    notificationAllowedCidrs: config.notificationAllowedCidrs,
    secrets: await loadSecretCipher(config),
    // Only the built-in router's admin API is safe to read from here; HAProxy's state belongs to the worker.
    router: config.router === 'builtin' ? await createTrafficRouter(config) : undefined,
  });
  const address = await app.listen({ host: config.apiHost, port: config.apiPort });
  logger.info({ address }, 'api listening');
  return async () => {
    await app.close();
    await connection.close();
    await db.destroy();
  };
});
