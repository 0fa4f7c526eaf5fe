import type { Started } from './apiTypes';
import type { CommandContext, OptionSpecs, OptionValues } from './command';
import { UsageError } from './errors';
import { followOperation, outcomeLine, phaseLinePrinter } from './follow';
import { json } from './format';

/** Flags of every command that starts an operation. */
export const START_OPTIONS: OptionSpecs = {
  wait: { type: 'boolean' },
  'idempotency-key': { type: 'string' },
  json: { type: 'boolean' },
};

export const START_DETAILS = [
  'Without --wait the command returns once Slipway accepted the operation (202) and prints its id.',
  '--wait follows it phase by phase and exits 0 when it succeeds, 1 when it fails.',
  'Every request carries an Idempotency-Key (a new UUID unless --idempotency-key is given) and is',
  'retried up to 3 times with the same key when Slipway is unreachable or answers 502/503, so a',
  'retried request never starts a second operation. --json prints the API answer (not with --wait).',
].join('\n');

/** Sends the request that starts an operation, then reports it or follows it to its end. */
export async function startOperation(
  ctx: CommandContext,
  method: 'POST' | 'PUT',
  path: string,
  body: unknown,
  v: OptionValues,
): Promise<number> {
  if (v.json && v.wait) throw new UsageError('--json and --wait do not go together');
  const key = typeof v['idempotency-key'] === 'string' ? v['idempotency-key'] : undefined;
  const localStart = Date.now();
  const started = await ctx.client.send<Started>(method, path, body, key);
  if (v.json) {
    ctx.out(json(started));
    return 0;
  }
  const op = started?.operation;
  if (!op) {
    // e.g. an env change saved on a deployment that is not serving: it applies at the next operation.
    ctx.out(started?.message ?? 'saved; no operation started');
    return 0;
  }
  // "to V" only when the version changes; a restart or suspend stays on what it serves.
  const target = op.toVersion && op.toVersion !== op.fromVersion ? ` to ${op.toVersion}` : '';
  ctx.out(`${op.kind} of ${op.deploymentId}${target}: operation ${op.id} ${op.status === 'pending' ? 'started' : op.status}`);
  if (!v.wait) {
    ctx.out(`  follow it: slipway operations logs ${op.id} --follow`);
    return 0;
  }
  const done = await followOperation(ctx.client, op.id, { onLog: phaseLinePrinter(ctx.out), onNotice: ctx.err });
  const line = outcomeLine(done, localStart);
  if (done.status === 'succeeded') {
    ctx.out(line);
    return 0;
  }
  ctx.err(line);
  return 1;
}
