import { readinessPathProblem } from '../../domain/manifest';
import { probeReadiness, readinessUrl } from '../../activities/readinessProbe';

describe('readiness paths stay on the revision', () => {
  it.each<[string, boolean]>([
    ['/healthz', true],
    ['/health/ready?full=1', true],
    ['/v1.2/ready', true],
    ['/a..b', true],
    ['//127.0.0.1:8421/healthz', false],
    ['///127.0.0.1/healthz', false],
    ['/\\127.0.0.1/healthz', false],
    ['\\\\127.0.0.1/healthz', false],
    ['http://127.0.0.1:8421/healthz', false],
    ['/redirect?to=http://127.0.0.1:8421/', false],
    ['healthz', false],
    ['/../admin', false],
    ['/a/%2e%2e/admin', false],
    ['/a/./b', false],
    ['/he alth', false],
    ['/health\nHost: x', false],
  ])('%j accepted=%s', (path, accepted) => {
    expect(readinessPathProblem(path) === null).toBe(accepted);
  });

  it('builds the probe URL from the endpoint and refuses one that would leave it', () => {
    expect(readinessUrl('http://127.0.0.1:4000', '/healthz')).toBe('http://127.0.0.1:4000/healthz');
    expect(() => readinessUrl('http://127.0.0.1:4000', '//127.0.0.1:8421/healthz')).toThrow(/not a path on the revision/);
    expect(() => readinessUrl('http://127.0.0.1:4000', '/\\127.0.0.1:8421/healthz')).toThrow(/not a path on the revision/);
    expect(() => readinessUrl('http://127.0.0.1:4000', 'http://127.0.0.1:8421/healthz')).toThrow(/not a path on the revision/);
  });

  it('probes through the injected fetch and never follows a redirect', async () => {
    const calls: { url: string; redirect: string }[] = [];
    const answer = await probeReadiness('http://127.0.0.1:4000/healthz', undefined, async (url, init) => {
      calls.push({ url, redirect: init.redirect });
      return new Response(null, { status: 302, headers: { location: 'http://127.0.0.1:8421/' } });
    });
    expect(answer).toBe(302);
    expect(calls).toEqual([{ url: 'http://127.0.0.1:4000/healthz', redirect: 'manual' }]);
  });
});
