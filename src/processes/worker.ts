import { NativeConnection } from '@temporalio/worker';
import type { ActivityDeps } from '../../activities/deps';
import { systemClock } from '../../ports/clock';
import { createDb } from '../../db/database';
import { createArtifactStore } from '../../compute/local/artifactStore';
import { createLocalComputeProvider } from '../../compute/local/localProvider';
import { dataPaths } from '../dataPaths';
import { requireServices } from '../requireService';
import { createHttpRouterClient } from '../../traffic/builtin/httpRouterClient';
import { createSlipwayWorker } from '../worker';
import { restoreServingRevisions } from '../restoreServingRevisions';
import { installTemporalLogging } from '../temporalLogger';
import { runProcess } from './runProcess';

runProcess('worker', async (config, logger) => {
  const { databaseUrl, temporalAddress } = requireServices(config);
  const paths = dataPaths(config.dataDir);
  const db = createDb(databaseUrl);
  installTemporalLogging(logger);
  const connection = await NativeConnection.connect({ address: temporalAddress });
  const deps: ActivityDeps = {
    db,
    compute: createLocalComputeProvider({ stateDir: paths.compute, logger: logger.child({ component: 'compute' }) }),
    router: createHttpRouterClient({ adminUrl: config.routerAdminUrl }),
    artifacts: createArtifactStore(paths.artifacts),
    clock: systemClock,
    logger: logger.child({ component: 'activities' }),
    settings: {
      readinessIntervalMs: 1000,
      readinessTimeoutSeconds: config.readinessTimeoutSeconds,
      stopGraceMs: config.stopGraceSeconds * 1000,
      rollbackWindowSeconds: config.rollbackWindowSeconds,
      drainTimeoutSeconds: config.drainTimeoutSeconds,
    },
  };
  const restored = config.restoreOnBoot ? await restoreServingRevisions(deps) : [];
  if (restored.length > 0) logger.info({ restored: restored.length }, 'restarted serving revisions that were down');
  const worker = await createSlipwayWorker({ connection, namespace: config.namespace, taskQueue: config.taskQueue, deps });
  const running = worker.run();
  logger.info({ taskQueue: config.taskQueue, namespace: config.namespace }, 'worker polling');
  return async () => {
    worker.shutdown();
    await running;
    await connection.close();
    await db.destroy();
  };
});
