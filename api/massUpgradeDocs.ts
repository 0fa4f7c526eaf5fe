import { z } from 'zod';
import { MassUpgradeOptions } from '../domain/massUpgrade/options';
import { CancelBody, DryRunView, MassUpgradeParams, MassUpgradeQuery, MassUpgradeView } from './massUpgradeSchemas';
import { paged, RolloutItemView } from './responseSchemas';
import { ListMassUpgradesQuery, ListRolloutItemsQuery } from './schemas';
import { routeSchema } from './routeSchema';

/** Route schemas of /api/admin/mass-upgrades: validation and /docs from the same zod shapes. */

const steer = (summary: string, body: z.ZodType = z.object({}).strict()) =>
  routeSchema({
    summary,
    access: 'admin',
    params: MassUpgradeParams,
    body,
    responses: { 202: { description: 'signalled', schema: MassUpgradeView }, 409: { description: 'mass_upgrade_finished' } },
  });

export const massUpgradeDocs = {
  start: routeSchema({
    summary: 'Start a fleet rollout of an app to a release in waves (dryRun: only show the plan)',
    access: 'admin',
    body: MassUpgradeOptions,
    responses: {
      200: { description: 'dryRun: the deployments that would move, per wave; nothing started', schema: DryRunView },
      202: { description: 'the rollout was started', schema: MassUpgradeView },
      409: { description: 'mass_upgrade_in_progress (another rollout of this app runs; massUpgradeId names it)' },
    },
  }),
  list: routeSchema({
    summary: 'Fleet rollouts, newest first (last progress snapshots), a page at a time',
    access: 'admin',
    query: ListMassUpgradesQuery,
    responses: { 200: { description: 'a page of rollouts', schema: paged('massUpgrades', MassUpgradeView) } },
  }),
  items: routeSchema({
    summary: "A rollout's stored plan in order (wave, place), each deployment with its state, a page at a time",
    access: 'admin',
    params: MassUpgradeParams,
    query: ListRolloutItemsQuery,
    responses: {
      200: {
        description: 'a page of items',
        schema: z.object({ massUpgradeId: z.string(), items: z.array(RolloutItemView), nextCursor: z.string().nullable() }),
      },
    },
  }),
  one: routeSchema({
    summary: 'One rollout: status, counts by state, current wave, failures with reasons, halt reason; ?plan=1 adds the ids per wave',
    access: 'admin',
    params: MassUpgradeParams,
    query: MassUpgradeQuery,
    responses: { 200: { description: 'the rollout', schema: MassUpgradeView } },
  }),
  pause: steer('No new upgrades start until resumed; running ones finish'),
  resume: steer('Continue a paused rollout'),
  cancel: steer('Stop starting upgrades; running ones finish, then the rollout ends as cancelled', CancelBody),
};
