import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };

/** Keys whose values never reach a log line, wherever they sit in a logged object. */
const REDACT = [
  'env',
  '*.env',
  'token',
  '*.token',
  'authorization',
  '*.authorization',
  'req.headers.authorization',
  'password',
  '*.password',
  'secret',
  '*.secret',
  'value',
  '*.value',
];

export const LOG_FORMATS = ['auto', 'json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** A person at a terminal reads lines; anything else (a file, a pipe, a log shipper) gets JSON. */
export function usePretty(format: LogFormat, stdoutIsTty = Boolean(process.stdout.isTTY)): boolean {
  return format === 'pretty' || (format === 'auto' && stdoutIsTty);
}

export function createLogger(name: string, level = process.env.LOG_LEVEL ?? 'info', format: LogFormat = 'auto'): Logger {
  const options = { name, level, redact: { paths: REDACT, censor: '[redacted]' } };
  if (!usePretty(format)) return pino(options);
  // In-process and synchronous (no transport worker thread): the last lines before an exit are not lost.
  return pino(
    options,
    pretty({
      sync: true,
      singleLine: true,
      colorize: Boolean(process.stdout.isTTY),
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname',
    }),
  );
}
