import type { ParseArgsConfig } from 'node:util';
import type { SlipwayClient } from './client';
import type { CliConfig } from './config';

export type OptionSpecs = NonNullable<ParseArgsConfig['options']>;
export type OptionValues = Record<string, string | boolean | string[] | undefined>;

export interface CommandContext {
  config: CliConfig;
  client: SlipwayClient;
  /** One line (or block) to stdout / stderr; a newline is added when missing. */
  out(text: string): void;
  err(text: string): void;
}

/** One `slipway <group> <name>` command: its flags, its help and what it does. */
export interface Command {
  group: string;
  name: string;
  /** Positionals and flags, as shown in the usage line. */
  args: string;
  summary: string;
  /** Extra help text shown by `--help`. */
  details?: string;
  options: OptionSpecs;
  positionals: { min: number; max: number };
  run(ctx: CommandContext, positionals: string[], values: OptionValues): Promise<number>;
}

export const usageLine = (c: Command): string => `slipway ${c.group} ${c.name}${c.args ? ` ${c.args}` : ''}`;
