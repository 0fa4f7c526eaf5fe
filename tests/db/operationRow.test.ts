import { newOperationRow } from '../../db/operationRow';

describe('newOperationRow', () => {
  const deployment = { id: 'd-1', serving_version: '1.0.0', config_revision: 3, strategy: 'rolling' as const };
  const base = { id: 'op-1', deployment, kind: 'upgrade' as const, trigger: 'api' as const, actor: 'alice', toVersion: '2.0.0' };

  it('is pending under the deployment workflow id, from what serves now, with the deployment strategy by default', () => {
    expect(newOperationRow(base)).toEqual({
      id: 'op-1',
      deployment_id: 'd-1',
      kind: 'upgrade',
      trigger: 'api',
      actor: 'alice',
      from_version: '1.0.0',
      to_version: '2.0.0',
      config_revision: 3,
      strategy: 'rolling',
      workflow_id: 'deployment-d-1',
      run_id: null,
      status: 'pending',
      phase: null,
      error_type: null,
      error_message: null,
      started_at: null,
      finished_at: null,
      retry_of: null,
      strategy_options: null,
      idempotency_key: null,
      mass_upgrade_id: null,
      replicas: null,
    });
  });

  it.each([
    ['an override strategy', { strategy: 'canary' as const }, { strategy: 'canary' }],
    ['a null strategy (teardown, old retries)', { strategy: null }, { strategy: 'rolling' }],
    ['a config revision', { configRevision: 7 }, { config_revision: 7 }],
    [
      'strategy options, as JSON text',
      { strategyOptions: { canary: { steps: [50, 100] } } },
      { strategy_options: '{"canary":{"steps":[50,100]}}' },
    ],
    ['a retry link and idempotency key', { retryOf: 'op-0', idempotencyKey: 'k' }, { retry_of: 'op-0', idempotency_key: 'k' }],
    ['a mass upgrade', { massUpgradeId: 'mu-1' }, { mass_upgrade_id: 'mu-1' }],
    ['a scale to 3 replicas', { kind: 'scale', replicas: 3 }, { kind: 'scale', replicas: 3 }],
  ])('takes %s', (_what, extra, expected) => {
    expect(newOperationRow({ ...base, ...(extra as object) })).toMatchObject(expected);
  });
});
