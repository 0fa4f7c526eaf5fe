import { ApplicationFailure } from '@temporalio/workflow';
import type { DeploymentContext } from '../../contract/deploymentContext';
import { rollout } from '../../workflows/strategies/rollout';

/**
 * The dispatcher's loud branch runs before any activity is scheduled, so it is called here
 * as a plain function; every known strategy is exercised end to end in
 * tests/integration/strategies.test.ts.
 */
describe('rollout dispatcher', () => {
  const op = { operationId: 'op-1', deploymentId: 'd-1', kind: 'upgrade' as const };
  it.each(['blue-green', 'bluegreen', '', 'BLUE_GREEN'])(
    'fails %j as an unknown strategy, not as blue-green, and without retries',
    async (strategy) => {
      const ctx = { strategy, servingVersion: '1.0.0' } as unknown as DeploymentContext;
      const err = await rollout(ctx, op).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ApplicationFailure);
      expect((err as ApplicationFailure).type).toBe('UnknownStrategy');
      expect((err as ApplicationFailure).nonRetryable).toBe(true);
      expect((err as ApplicationFailure).message).toContain(JSON.stringify(strategy));
      expect((err as ApplicationFailure).message).toContain('blue_green');
    },
  );
});
