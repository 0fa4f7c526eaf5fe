import { TemporalCliUnavailableError } from '../bootstrap/temporalCli';
import { TemporalServerUnavailableError } from '../bootstrap/temporalServerBinaries';
import { RegistryUnavailableError } from '../bootstrap/registryBinary';
import { ConfigError } from '../config';

/**
 * A start-up failure as the person at the terminal needs it: what is wrong and what to
 * do, on one line, no stack trace (LOG_LEVEL=debug adds the details).
 */
export class StartupFailure extends Error {
  override readonly name = 'StartupFailure';
  constructor(
    readonly what: string,
    readonly fix: string,
    readonly details?: unknown,
  ) {
    super(`${what} — ${fix}`);
  }
}

const DEBUG_HINT = 'run with LOG_LEVEL=debug for details';

/** The one line for any error that ended a start. */
export function startupLine(err: unknown): string {
  if (err instanceof StartupFailure) return oneLine(err.message);
  if (err instanceof ConfigError) return oneLine(`${err.message.replace(/^Invalid configuration:/, 'invalid configuration:')}`);
  if (err instanceof TemporalCliUnavailableError) {
    const [what, ...fix] = err.message.split('\n').filter((l) => l.trim());
    return oneLine(`the Temporal CLI is missing: ${what.replace(/\.$/, '')} — ${fix.join(' ')}`);
  }
  if (err instanceof TemporalServerUnavailableError) {
    const [what, ...fix] = err.message.split('\n').filter((l) => l.trim());
    return oneLine(`the Temporal server is missing: ${what.replace(/\.$/, '')} — ${fix.join(' ')}`);
  }
  if (err instanceof RegistryUnavailableError) {
    const [what, ...fix] = err.message.split('\n').filter((l) => l.trim());
    return oneLine(`the OCI registry is missing: ${what.replace(/\.$/, '')} — ${fix.join(' ')}`);
  }
  const message = err instanceof Error ? err.message : String(err);
  const [first, ...rest] = message.split('\n').filter((l) => l.trim());
  if (/Last output:?$/i.test(first ?? '') || /Last output:/i.test(message)) {
    const tail = rest.slice(-3).join(' | ');
    return oneLine(`${first.replace(/\s*Last output:?$/i, '')} (last log lines: ${tail || 'none'}) — ${DEBUG_HINT}`);
  }
  return oneLine(`start failed: ${first ?? 'unknown error'} — ${DEBUG_HINT}`);
}

function oneLine(text: string): string {
  return `slipway: ${text
    .replace(/\s*\n\s*/g, '; ')
    .replace(/\s{2,}/g, ' ')
    .trim()}`;
}

/** A server we start (Postgres, Temporal) that would not come up: its last log lines and the way out. */
export function serviceFailure(what: string, err: unknown, fix: string): StartupFailure {
  const message = err instanceof Error ? err.message : String(err);
  const [head, tail = ''] = message.split(/Last output:?/i);
  const lines = tail
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(-3);
  const seen = lines.length > 0 ? `; last log lines: ${lines.join(' | ')}` : '';
  return new StartupFailure(`${what} did not start (${head.trim().replace(/[.\s]+$/, '')}${seen})`, fix, err);
}
