import { NativeConnection } from '@temporalio/worker';
import type { ActivityDeps } from '../../activities/deps';
import { systemClock } from '../../ports/clock';
import { killAt } from '../../ports/faultPoints';
import { createDb } from '../../db/database';
import { createArtifactStore } from '../../compute/local/artifactStore';
import { createComputeProvider } from '../computeProvider';
import { dataPaths } from '../dataPaths';
import { createImageRegistry } from '../imageRegistry';
import { requireServices } from '../requireService';
import { createTrafficRouter } from '../trafficRouter';
import { createSlipwayWorker, workflowsPath } from '../worker';
import { restoreServingRevisions } from '../restoreServingRevisions';
import { installTemporalLogging } from '../temporalLogger';
import { reencryptSecretEnvVars } from '../../db/queries/envVars';
import { loadSecretCipher } from '../secretKey';
import { startNotificationDispatcher } from '../../notifications/dispatcher';
import { cachedWorkflowBundle } from '../bootstrap/workflowBundle';
import { defaultCacheDir } from '../bootstrap/temporalCli';
import { runProcess } from './runProcess';

runProcess('worker', async (config, logger) => {
  const { databaseUrl, temporalAddress } = requireServices(config);
  const paths = dataPaths(config.dataDir);
  const db = createDb(databaseUrl);
  installTemporalLogging(logger);
  const connection = await NativeConnection.connect({ address: temporalAddress });
  const deps: ActivityDeps = {
    db,
    compute: createComputeProvider(config, logger.child({ component: 'compute' })),
    router: await createTrafficRouter(config),
    artifacts: createArtifactStore(paths.artifacts),
    clock: systemClock,
    logger: logger.child({ component: 'activities' }),
    secrets: await loadSecretCipher(config),
    images: createImageRegistry(config),
    faults: killAt(config.faultKillAt),
    settings: {
      readinessIntervalMs: 1000,
      readinessTimeoutSeconds: config.readinessTimeoutSeconds,
      stopGraceMs: config.stopGraceSeconds * 1000,
      rollbackWindowSeconds: config.rollbackWindowSeconds,
      drainTimeoutSeconds: config.drainTimeoutSeconds,
    },
  };
  // Boot repairs run in one worker only (SLIPWAY_WORKERS > 1 starts the others without them).
  if (config.restoreOnBoot) {
    // After a key rotation (or an upgrade from plaintext), move every secret to the current key.
    const moved = await reencryptSecretEnvVars(db, deps.secrets);
    if (moved.reencrypted > 0) logger.info({ reencrypted: moved.reencrypted, keyId: deps.secrets.keyId }, 'secret env values re-encrypted');
    if (moved.unreadable.length > 0) {
      logger.error(
        { unreadable: moved.unreadable.slice(0, 20), count: moved.unreadable.length, keyId: deps.secrets.keyId },
        'secret env values under a key this worker does not have; set SLIPWAY_SECRET_KEY_PREVIOUS to that key',
      );
    }
  }
  const restored = config.restoreOnBoot ? await restoreServingRevisions(deps) : [];
  if (restored.length > 0) logger.info({ restored: restored.length }, 'restarted serving revisions that were down');
  const workflowBundle = await cachedWorkflowBundle({ cacheDir: defaultCacheDir(), workflowsPath: workflowsPath(), logger });
  const worker = await createSlipwayWorker({ connection, namespace: config.namespace, taskQueue: config.taskQueue, deps, workflowBundle });
  const running = worker.run();
  // Every worker drains the notification outbox; leases keep two from sending the same row.
  const dispatcher = startNotificationDispatcher({
    db,
    secrets: deps.secrets,
    logger: logger.child({ component: 'notifications' }),
    retry: config.notificationRetry,
    pollMs: 500,
    attemptTimeoutMs: 10_000,
    tenantAllowedCidrs: config.notificationAllowedCidrs,
    logRetentionDays: config.notificationLogDays,
  });
  logger.info({ taskQueue: config.taskQueue, namespace: config.namespace }, 'worker polling');
  return async () => {
    await dispatcher.stop();
    worker.shutdown();
    await running;
    await connection.close();
    await db.destroy();
  };
});
