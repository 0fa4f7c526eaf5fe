import { ensureKubernetesBinaries, kubernetesBinaryDir } from './bootstrap/kubernetesBinaries';
import { defaultCacheDir } from './bootstrap/temporalCli';
import { createLogger } from './logger';

/** `npm run build:kubernetes`: the one-time cluster build on its own, e.g. to warm a CI cache. */
async function main(): Promise<void> {
  const logger = createLogger('kubernetes-build', process.env.SLIPWAY_LOG_LEVEL ?? 'info');
  const started = Date.now();
  await ensureKubernetesBinaries({ logger });
  logger.info(
    { dir: kubernetesBinaryDir(defaultCacheDir()), seconds: Math.round((Date.now() - started) / 1000) },
    'kubernetes binaries ready',
  );
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
