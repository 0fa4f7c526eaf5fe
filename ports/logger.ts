/** Structured logging as every layer sees it; src/logger.ts makes the pino instance. */
export type { Logger } from 'pino';
