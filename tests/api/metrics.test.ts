import { renderEngineMetrics } from '../../api/metrics';
import { deployHello, helloRelease, type Api } from '../helpers/hello';
import type { SlipwayStack } from '../helpers/slipwayStack';
import { withStack } from '../helpers/withStack';
import { prometheusSamples } from '../helpers/prometheusSamples';

describe('engine metrics rendering (pure)', () => {
  test('every known kind and status appears, and in-flight statuses are a gauge, not a counter', async () => {
    const text = await renderEngineMetrics({
      operations: [
        { kind: 'deploy', status: 'succeeded', count: 3 },
        { kind: 'deploy', status: 'running', count: 1 },
        { kind: 'upgrade', status: 'pending', count: 2 },
      ],
      durations: [{ kind: 'deploy', counts: [0, 1, 2, 0, 0, 0, 0, 0, 0, 0, 0], sumSeconds: 17.5, count: 3 }],
      deployments: [{ status: 'running', count: 4 }],
    });
    const s = prometheusSamples(text);
    expect(s.get('slipway_operations_total{kind="deploy",status="succeeded"}')).toBe(3);
    expect(s.get('slipway_operations_total{kind="teardown",status="failed"}')).toBe(0);
    expect(s.has('slipway_operations_total{kind="deploy",status="running"}')).toBe(false);
    expect(s.get('slipway_operations_in_flight{kind="deploy"}')).toBe(1);
    expect(s.get('slipway_operations_in_flight{kind="upgrade"}')).toBe(2);
    expect(s.get('slipway_operation_duration_seconds_bucket{kind="deploy",le="5"}')).toBe(1);
    expect(s.get('slipway_operation_duration_seconds_bucket{kind="deploy",le="10"}')).toBe(3);
    expect(s.get('slipway_operation_duration_seconds_bucket{kind="deploy",le="+Inf"}')).toBe(3);
    expect(s.get('slipway_operation_duration_seconds_sum{kind="deploy"}')).toBe(17.5);
    expect(s.get('slipway_operation_duration_seconds_count{kind="restart"}')).toBe(0);
    expect(s.get('slipway_deployments{status="running"}')).toBe(4);
    expect(s.get('slipway_deployments{status="destroyed"}')).toBe(0);
  });
});

describe('GET /metrics on the API', () => {
  let s: SlipwayStack;
  let admin: Api;

  withStack((stack, a) => {
    s = stack;
    admin = a;
  });

  it('is public, Prometheus text, and counts operations and deployments without naming any tenant', async () => {
    const empty = await fetch(`${s.apiUrl}/metrics`);
    expect(empty.status).toBe(200);
    expect(empty.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const before = prometheusSamples(await empty.text());
    expect(before.get('slipway_deployments{status="running"}')).toBe(0);
    expect(before.get('slipway_operations_total{kind="deploy",status="succeeded"}')).toBe(0);

    await admin('POST', '/api/apps', { slug: 'hello' });
    await admin('POST', '/api/apps/hello/releases', helloRelease(1));
    const d = await deployHello(admin, { tenantId: 'acme-secret-tenant', env: { GREETING: 'x' } });

    const text = await (await fetch(`${s.apiUrl}/metrics`)).text();
    const after = prometheusSamples(text);
    expect(after.get('slipway_deployments{status="running"}')).toBe(1);
    expect(after.get('slipway_operations_total{kind="deploy",status="succeeded"}')).toBe(1);
    expect(after.get('slipway_operations_in_flight{kind="deploy"}')).toBe(0);
    expect(after.get('slipway_operation_duration_seconds_count{kind="deploy"}')).toBe(1);
    expect(after.get('slipway_operation_duration_seconds_sum{kind="deploy"}')).toBeGreaterThan(0);
    for (const secret of ['acme-secret-tenant', d.id, d.hostname, 'hello']) expect(text).not.toContain(secret);
  });
});
