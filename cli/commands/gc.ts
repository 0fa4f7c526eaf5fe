import type { Command } from '../command';
import { UsageError } from '../errors';
import { json } from '../format';

interface GcView {
  dryRun: boolean;
  kept: { app: string; version: string }[];
  removedImages: string[];
  removedArtifacts: string[];
}

/** Retention from the on-call CLI: the same POST /api/admin/gc as the API. */
const gc: Command = {
  group: 'admin',
  name: 'gc',
  args: '[--dry-run] [--keep N] [--json]',
  summary: 'remove images and artifacts no kept release uses (never what serves, stays warm or is a rollback target)',
  details: "--keep N keeps each app's N newest releases whatever else holds them (default 3); --dry-run only lists what would go.",
  options: { 'dry-run': { type: 'boolean' }, keep: { type: 'string' }, json: { type: 'boolean' } },
  positionals: { min: 0, max: 0 },
  async run(ctx, _pos, v) {
    const keep = v.keep === undefined ? undefined : Number(v.keep);
    if (keep !== undefined && !(Number.isInteger(keep) && keep >= 1)) throw new UsageError('--keep must be a whole number of at least 1');
    const result = await ctx.client.send<GcView>('POST', '/api/admin/gc', {
      dryRun: v['dry-run'] === true,
      ...(keep ? { keepNewest: keep } : {}),
    });
    if (v.json) {
      ctx.out(json(result));
      return 0;
    }
    const verb = result.dryRun ? 'would remove' : 'removed';
    ctx.out(
      [
        `${verb} ${result.removedImages.length} image(s), ${result.removedArtifacts.length} artifact(s); kept ${result.kept.length} release(s)`,
        ...result.removedImages.map((i) => `  image     ${i}`),
        ...result.removedArtifacts.map((a) => `  artifact  ${a}`),
      ].join('\n'),
    );
    return 0;
  },
};

export const gcCommands: Command[] = [gc];
