import { parseCommandArgs, parseGlobalFlags, splitHead } from './argv';
import { SlipwayClient } from './client';
import { usageLine, type Command, type CommandContext } from './command';
import { deploymentActionCommands } from './commands/deploymentActions';
import { deploymentQueryCommands } from './commands/deployments';
import { operationCommands } from './commands/operations';
import { massUpgradeCommands } from './commands/massUpgrade';
import { gcCommands } from './commands/gc';
import { loadCliConfig } from './config';
import { CliError, EXIT, UsageError } from './errors';
import { commandHelp, groupHelp, isGroup, mainHelp, SHORT_USAGE } from './help';

export const COMMANDS: Command[] = [
  ...deploymentQueryCommands,
  ...deploymentActionCommands,
  ...operationCommands,
  ...massUpgradeCommands,
  ...gcCommands,
];

export interface Io {
  out(text: string): void;
  err(text: string): void;
}

const processIo: Io = {
  out: (t) => void process.stdout.write(t.endsWith('\n') ? t : `${t}\n`),
  err: (t) => void process.stderr.write(t.endsWith('\n') ? t : `${t}\n`),
};

/** Runs one command line and returns the exit code. Never throws, never prints a stack. */
export async function runCli(argv: string[], env: NodeJS.ProcessEnv = process.env, io: Io = processIo): Promise<number> {
  const { head, rest } = splitHead(argv);
  const [group, name] = head;
  const usage = (message: string, help: string) => {
    io.err(`slipway: ${message}`);
    io.err(help);
    return EXIT.usage;
  };

  if (group === undefined || group === 'help') {
    if (group === 'help' && name !== undefined) return runCli([...head.slice(1), '--help'], env, io);
    const wantsHelp = group === 'help' || parseGlobalFlags(rest).help === true;
    if (wantsHelp) {
      io.out(mainHelp(COMMANDS));
      return EXIT.ok;
    }
    return usage('missing command', SHORT_USAGE);
  }
  if (!isGroup(group)) return usage(`unknown command ${JSON.stringify(group)}`, SHORT_USAGE);
  const cmd = COMMANDS.find((c) => c.group === group && c.name === name);
  if (!cmd) {
    if (name === undefined && parseGlobalFlags(rest).help === true) {
      io.out(groupHelp(group, COMMANDS));
      return EXIT.ok;
    }
    return usage(
      name === undefined ? `missing ${group} command` : `unknown command ${JSON.stringify(`${group} ${name}`)}`,
      groupHelp(group, COMMANDS),
    );
  }

  try {
    const { positionals, values } = parseCommandArgs(cmd, rest);
    if (values.help) {
      io.out(commandHelp(cmd));
      return EXIT.ok;
    }
    const config = loadCliConfig(env, { token: values.token as string | undefined, url: values.url as string | undefined });
    const ctx: CommandContext = { config, client: new SlipwayClient(config), out: io.out, err: io.err };
    return await cmd.run(ctx, positionals, values);
  } catch (err) {
    if (err instanceof UsageError) return usage(err.message, `Usage: ${usageLine(cmd)}   (slipway ${group} ${cmd.name} --help)`);
    if (err instanceof CliError) {
      io.err(err.lines.map((l, i) => (i === 0 ? `slipway: ${l}` : l)).join('\n'));
      return err.exitCode;
    }
    io.err(`slipway: unexpected error: ${err instanceof Error ? err.message : String(err)}`);
    return EXIT.failed;
  }
}

/** Entry point used by bin/slipway. */
export function main(): void {
  process.on('SIGINT', () => {
    process.stderr.write('\nslipway: interrupted; an operation already started keeps running on the server\n');
    process.exit(EXIT.interrupted);
  });
  // EPIPE when piped into `head`: nothing left to say to anyone.
  process.stdout.on('error', () => process.exit(EXIT.ok));
  runCli(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`slipway: unexpected error: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = EXIT.failed;
    },
  );
}
