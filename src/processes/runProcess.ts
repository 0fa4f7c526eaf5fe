import { loadConfig, type Config } from '../config';
import { createLogger, type Logger } from '../logger';

/**
 * Shared shell of the worker and API processes: parse config once, run, and turn
 * SIGINT/SIGTERM into one clean shutdown. Errors at start print a message, not a stack.
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
  })().catch((err) => {
    if (logger) logger.fatal({ err }, `${name} failed to start`);
    else console.error(`${name}: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
