import { replicaPlan } from '../../src/bootstrap/replicaPlan';

describe('replicaPlan', () => {
  it.each([
    { workers: 1, apis: 1, apiPort: 3000, labels: ['worker', 'api'], ports: [3000], restoring: ['worker'] },
    { workers: 2, apis: 1, apiPort: 3000, labels: ['worker-1', 'worker-2', 'api'], ports: [3000], restoring: ['worker-1'] },
    {
      workers: 3,
      apis: 3,
      apiPort: 4100,
      labels: ['worker-1', 'worker-2', 'worker-3', 'api-1', 'api-2', 'api-3'],
      ports: [4100, 4101, 4102],
      restoring: ['worker-1'],
    },
  ])('$workers workers, $apis APIs from port $apiPort', ({ workers, apis, apiPort, labels, ports, restoring }) => {
    const plan = replicaPlan({ workers, apis, apiPort });
    expect([...plan.workers, ...plan.apis].map((r) => r.label)).toEqual(labels);
    expect(plan.apiPorts).toEqual(ports);
    expect(plan.apis.map((r) => Number(r.env.SLIPWAY_API_PORT))).toEqual(ports);
    expect(plan.workers.filter((r) => r.env.SLIPWAY_RESTORE_ON_BOOT !== '0').map((r) => r.label)).toEqual(restoring);
    expect(new Set(plan.workers.map((r) => r.process))).toEqual(new Set(['worker']));
  });
});
