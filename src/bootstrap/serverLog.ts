import type { Logger } from '../logger';

/** Output handling shared by the Temporal dev server and the real Temporal server. */
export function forEachLine(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let buffered = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) if (line.trim()) onLine(line);
  });
  stream.on('end', () => {
    if (buffered.trim()) onLine(buffered);
  });
}

/** The server logs JSON at warn and above; keep its fields but let pino own the envelope. */
export function logServerLine(logger: Logger, line: string, quiet: boolean): void {
  if (quiet) {
    logger.debug({ source: 'temporal' }, line);
    return;
  }
  try {
    // `time` and `level` would collide with pino's own keys.
    const { msg, level, time, ...fields } = JSON.parse(line) as Record<string, unknown>;
    void time;
    const text = typeof msg === 'string' ? msg : line;
    if (['error', 'fatal', 'dpanic', 'panic'].includes(String(level).toLowerCase())) {
      logger.error({ source: 'temporal', ...fields }, text);
    } else {
      logger.warn({ source: 'temporal', ...fields }, text);
    }
  } catch {
    logger.warn({ source: 'temporal' }, line);
  }
}
