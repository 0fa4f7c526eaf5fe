import { loadConfig, type Config } from '../config';
import { createLogger, type Logger } from '../logger';
import { startupLine } from '../startup/startupFailure';

/**
 * Shared shell of the worker and API processes: parse config once, run, and turn
 * SIGINT/SIGTERM into one clean shutdown. A failed start is one line naming cause and fix;
 * the error itself (stack included) is logged only at LOG_LEVEL=debug.
 */
export function runProcess(name: string, start: (config: Config, logger: Logger) => Promise<() => Promise<void>>): void {
  let logger: Logger | undefined;
  (async () => {
    const config = loadConfig();
    logger = createLogger(name, config.logLevel, config.logFormat);
    const stop = await start(config, logger);
    let stopping = false;
    const shutdown = (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger?.info({ signal }, `${name} stopping`);
      stop().then(
        () => process.exit(0),
        (err) => {
          logger?.error({ err }, `${name} did not stop cleanly`);
          process.exit(1);
        },
      );
    };
    process.on('SIGINT', () => shutdown('SIGINT'));
    process.on('SIGTERM', () => shutdown('SIGTERM'));
  })().catch((err: unknown) => {
    logger?.debug({ err }, `${name} failed to start`);
    process.stderr.write(`${startupLine(err).replace(/^slipway:/, `slipway ${name}:`)}\n`);
    process.exit(1);
  });
}
