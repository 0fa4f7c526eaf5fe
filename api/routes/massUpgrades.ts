import type { ApiApp } from '../app';
import { MASS_UPGRADE_ORDER, ROLLOUT_ITEM_ORDER } from '../../db/queries/massUpgradeList';
import { requireAdmin } from '../auth';
import type { ApiContext } from '../context';
import { idempotentIds } from '../idempotency';
import type { CancelBody } from '../massUpgradeSchemas';
import { massUpgradeDocs } from '../massUpgradeDocs';
import { createMassUpgradeService, type SteerAction } from '../massUpgradeService';
import { openPage } from '../paging';
import type { z } from 'zod';

/**
 * Fleet rollouts, admin only. POST plans (and with dryRun only shows the plan); anything
 * else talks to the rollout's workflow (api/massUpgradeService.ts).
 */
export function massUpgradeRoutes(app: ApiApp, ctx: ApiContext): void {
  const service = createMassUpgradeService(ctx);

  app.post('/api/admin/mass-upgrades', { schema: massUpgradeDocs.start }, async (req, reply) => {
    const p = requireAdmin(req);
    const options = req.body;
    const ids = idempotentIds(req);
    const { status, body } = await service.start(options, { actor: p.actor, idempotentId: ids?.operationId.replace(/^op-/, 'mu-') });
    return reply.status(status).send(body);
  });

  app.get('/api/admin/mass-upgrades', { schema: massUpgradeDocs.list }, async (req) => {
    requireAdmin(req);
    const { limit, cursor, ...filters } = req.query;
    const { page, cursorOf } = openPage('mass-upgrades', MASS_UPGRADE_ORDER, { limit, cursor }, filters);
    const { massUpgrades, nextKey } = await service.listPage(filters, page);
    return { massUpgrades, nextCursor: cursorOf(nextKey) };
  });

  app.get('/api/admin/mass-upgrades/:id/items', { schema: massUpgradeDocs.items }, async (req) => {
    requireAdmin(req);
    const { id } = req.params;
    const q = req.query;
    const { page, cursorOf } = openPage('rollout-items', ROLLOUT_ITEM_ORDER, q, { massUpgradeId: id });
    const { massUpgradeId, items, nextKey } = await service.itemsPage(id, page);
    return { massUpgradeId, items, nextCursor: cursorOf(nextKey) };
  });

  app.get('/api/admin/mass-upgrades/:id', { schema: massUpgradeDocs.one }, async (req) => {
    requireAdmin(req);
    const { id } = req.params;
    const q = req.query;
    return service.get(id, { plan: q.plan === '1' || q.plan === 'true' });
  });

  const steer = (action: SteerAction) => {
    app.post(`/api/admin/mass-upgrades/:id/${action}`, { schema: massUpgradeDocs[action] }, async (req, reply) => {
      requireAdmin(req);
      const { id } = req.params;
      const body = action === 'cancel' ? (req.body as z.output<typeof CancelBody>) : {}; // validated by the route schema
      return reply.status(202).send(await service.steer(id, action, body));
    });
  };
  steer('pause');
  steer('resume');
  steer('cancel');
}
