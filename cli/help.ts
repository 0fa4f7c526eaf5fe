import { usageLine, type Command } from './command';
import { ADMIN_TOKEN_FILE, DEFAULT_URL } from './config';

const GROUPS: Record<string, string> = {
  deployments: 'Deployments',
  operations: 'Operations',
  'mass-upgrade': 'Fleet rollouts (admin token)',
  admin: 'Maintenance (admin token)',
};

const GLOBAL_HELP = `Global flags:
  --token T     API token. Default: $SLIPWAY_TOKEN, else the file .slipway/${ADMIN_TOKEN_FILE}
                if present (written by \`npm start\`; $SLIPWAY_DATA_DIR moves it)
  --url U       Slipway's API. Default: $SLIPWAY_URL, else ${DEFAULT_URL}
  -h, --help    help, also per command: slipway deployments restart --help

Exit codes: 0 done, 1 failed (API error, operation failed, Slipway unreachable), 2 bad usage.`;

export function mainHelp(commands: Command[]): string {
  const lines = [
    'slipway: on-call CLI for the Slipway deploy engine (over its HTTP API)',
    '',
    'Usage: slipway <group> <command> [arguments] [flags]',
  ];
  for (const [group, title] of Object.entries(GROUPS)) {
    lines.push('', `${title}:`, ...listing(commands.filter((c) => c.group === group)));
  }
  lines.push('', GLOBAL_HELP);
  return lines.join('\n');
}

export function groupHelp(group: string, commands: Command[]): string {
  return [`Usage: slipway ${group} <command>`, '', ...listing(commands.filter((c) => c.group === group)), '', GLOBAL_HELP].join('\n');
}

/** Usage line, then the summary indented below it: fits 100 columns whatever the flags. */
const listing = (cmds: Command[]): string[] => cmds.flatMap((c) => [`  ${usageLine(c)}`, `      ${c.summary}`]);

export const SHORT_USAGE = 'Usage: slipway <deployments|operations|mass-upgrade> <command> [arguments] [flags]   (slipway help)';

export function commandHelp(c: Command): string {
  return [`Usage: ${usageLine(c)}`, '', c.summary, ...(c.details ? ['', c.details] : []), '', GLOBAL_HELP].join('\n');
}

export const isGroup = (g: string | undefined): g is string => g !== undefined && g in GROUPS;
