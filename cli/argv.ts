import { parseArgs } from 'node:util';
import type { Command, OptionSpecs, OptionValues } from './command';
import { UsageError } from './errors';

/** Flags every command accepts, anywhere on the line. */
export const GLOBAL_OPTIONS: OptionSpecs = {
  token: { type: 'string' },
  url: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};
const GLOBAL_WITH_VALUE = new Set(['--token', '--url']);

/**
 * Finds `<group> <command>` among the first words, skipping global flags placed before
 * them (`slipway --token T deployments list`). Everything else is left for parseArgs.
 */
export function splitHead(argv: string[]): { head: string[]; rest: string[] } {
  const head: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    if (a.startsWith('-') && a !== '-') {
      rest.push(a);
      if (head.length === 0 && GLOBAL_WITH_VALUE.has(a) && i + 1 < argv.length) rest.push(argv[++i]);
    } else if (head.length < 2) {
      head.push(a);
    } else {
      rest.push(a);
    }
  }
  return { head, rest };
}

export function parseCommandArgs(cmd: Command, args: string[]): { positionals: string[]; values: OptionValues } {
  let parsed: { positionals: string[]; values: OptionValues };
  try {
    parsed = parseArgs({ args, options: { ...GLOBAL_OPTIONS, ...cmd.options }, allowPositionals: true, strict: true }) as typeof parsed;
  } catch (err) {
    throw new UsageError(describeParseError(err));
  }
  if (parsed.values.help) return parsed;
  const n = parsed.positionals.length;
  if (n < cmd.positionals.min) throw new UsageError(`missing argument${cmd.positionals.min - n > 1 ? 's' : ''}`);
  if (n > cmd.positionals.max) throw new UsageError(`unexpected argument ${JSON.stringify(parsed.positionals[cmd.positionals.max])}`);
  return parsed;
}

/** Global flags only, for commands that were not found (so `--help` still works). */
export function parseGlobalFlags(args: string[]): OptionValues {
  return parseArgs({ args, options: GLOBAL_OPTIONS, allowPositionals: true, strict: false }).values as OptionValues;
}

function describeParseError(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const unknown = /Unknown option '([^']+)'/.exec(message);
  if (unknown) return `unknown flag ${unknown[1]}`;
  return message.split('. ')[0];
}
