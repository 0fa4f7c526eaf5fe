import { isReadyAnswer, nextProbeDelay } from '../../activities/readinessProbe';

describe('readiness probing', () => {
  it('starts at 100 ms and backs off by 1.5x to the interval', () => {
    const delays: number[] = [];
    let d = 0;
    for (let i = 0; i < 8; i++) delays.push((d = nextProbeDelay(d, 1000)));
    expect(delays).toEqual([100, 150, 225, 338, 507, 761, 1000, 1000]);
  });

  it.each<[number | string, boolean]>([
    [200, true],
    [204, true],
    [299, true],
    [301, false],
    [503, false],
    ['ECONNREFUSED', false],
  ])('%s ready=%s', (a, ready) => {
    expect(isReadyAnswer(a)).toBe(ready);
  });
});
