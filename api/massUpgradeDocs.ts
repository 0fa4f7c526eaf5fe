import { z } from 'zod';
import { MassUpgradeOptions } from '../domain/massUpgrade/options';
import { CancelBody, DryRunView, MassUpgradeParams, MassUpgradeQuery, MassUpgradeView } from './massUpgradeSchemas';
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
    summary: 'Fleet rollouts, newest first (last progress snapshots)',
    access: 'admin',
    responses: { 200: { description: 'rollouts', schema: z.object({ massUpgrades: z.array(MassUpgradeView) }) } },
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
