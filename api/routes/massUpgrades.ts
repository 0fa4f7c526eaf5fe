import type { FastifyInstance } from 'fastify';
import { MASS_UPGRADE_ORDER, ROLLOUT_ITEM_ORDER } from '../../db/queries/massUpgradeList';
import { MassUpgradeOptions } from '../../domain/massUpgrade/options';
import { requireAdmin } from '../auth';
import type { ApiContext } from '../context';
import { idempotentIds } from '../idempotency';
import { CancelBody, MassUpgradeParams, MassUpgradeQuery } from '../massUpgradeSchemas';
import { createMassUpgradeService, type SteerAction } from '../massUpgradeService';
import { openPage } from '../paging';
import { ListMassUpgradesQuery, ListRolloutItemsQuery } from '../schemas';
import { parseInput } from '../validation';

/**
 * Fleet rollouts, admin only. POST plans (and with dryRun only shows the plan); anything
 * else talks to the rollout's workflow (api/massUpgradeService.ts).
 */
export function massUpgradeRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const service = createMassUpgradeService(ctx);

  app.post('/api/admin/mass-upgrades', async (req, reply) => {
    const p = requireAdmin(req);
    const options = parseInput(MassUpgradeOptions, req.body, 'body');
    const ids = idempotentIds(req);
    const { status, body } = await service.start(options, { actor: p.actor, idempotentId: ids?.operationId.replace(/^op-/, 'mu-') });
    return reply.status(status).send(body);
  });

  app.get('/api/admin/mass-upgrades', async (req) => {
    requireAdmin(req);
    const { limit, cursor, ...filters } = parseInput(ListMassUpgradesQuery, req.query, 'query');
    const { page, cursorOf } = openPage('mass-upgrades', MASS_UPGRADE_ORDER, { limit, cursor }, filters);
    const { massUpgrades, nextKey } = await service.listPage(filters, page);
    return { massUpgrades, nextCursor: cursorOf(nextKey) };
  });

  app.get('/api/admin/mass-upgrades/:id/items', async (req) => {
    requireAdmin(req);
    const { id } = parseInput(MassUpgradeParams, req.params, 'params');
    const q = parseInput(ListRolloutItemsQuery, req.query, 'query');
    const { page, cursorOf } = openPage('rollout-items', ROLLOUT_ITEM_ORDER, q, { massUpgradeId: id });
    const { massUpgradeId, items, nextKey } = await service.itemsPage(id, page);
    return { massUpgradeId, items, nextCursor: cursorOf(nextKey) };
  });

  app.get('/api/admin/mass-upgrades/:id', async (req) => {
    requireAdmin(req);
    const { id } = parseInput(MassUpgradeParams, req.params, 'params');
    const q = parseInput(MassUpgradeQuery, req.query, 'query');
    return service.get(id, { plan: q.plan === '1' || q.plan === 'true' });
  });

  const steer = (action: SteerAction) => {
    app.post(`/api/admin/mass-upgrades/:id/${action}`, async (req, reply) => {
      requireAdmin(req);
      const { id } = parseInput(MassUpgradeParams, req.params, 'params');
      const body = action === 'cancel' ? parseInput(CancelBody, req.body, 'body') : {};
      return reply.status(202).send(await service.steer(id, action, body));
    });
  };
  steer('pause');
  steer('resume');
  steer('cancel');
}
