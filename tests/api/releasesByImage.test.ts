import { signBody } from '../../domain/signature';
import { DistributionRegistry } from '../../images/distributionRegistry';
import { apiClient } from '../helpers/apiClient';
import { helloRelease } from '../helpers/hello';
import { startTestRegistry, type TestRegistry } from '../helpers/ociRegistry';
import { startSlipwayStack, type SlipwayStack } from '../helpers/slipwayStack';

const imageRelease = (version: string, web: string, worker: string) => ({
  version,
  manifest: {
    services: [
      { name: 'worker', image: worker, readiness: { runningSeconds: 1 } },
      { name: 'web', image: web, port: 8080, http: true, dependsOn: ['worker'], readiness: { path: '/healthz' } },
    ],
  },
});

describe('releases by image: tags pinned to digests at creation, image-only bumps', () => {
  let registry: TestRegistry;
  let s: SlipwayStack;
  let admin: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    registry = await startTestRegistry();
    s = await startSlipwayStack({ images: new DistributionRegistry({ url: registry.url }) });
    admin = apiClient(s.apiUrl, s.adminToken);
    await admin('POST', '/api/apps', { slug: 'shop' });
  });
  afterAll(async () => {
    await s?.close();
    await registry?.close();
  });

  it('stores the digest the tag named at creation, and keeps it when the tag moves', async () => {
    const web1 = await registry.push('shop/web', 'stable');
    const worker1 = await registry.push('shop/worker', '1');
    const r = await admin('POST', '/api/apps/shop/releases', imageRelease('1.0.0', 'shop/web:stable', `${registry.host}/shop/worker:1`));
    expect(r.status).toBe(201);
    expect(r.body.artifactDigest).toBeNull();
    expect(r.body.manifest.services.map((x: any) => x.image)).toEqual([
      `${registry.host}/shop/worker@${worker1}`,
      `${registry.host}/shop/web@${web1}`,
    ]);

    const web2 = await registry.push('shop/web', 'stable');
    expect(web2).not.toBe(web1);
    const listed = await admin('GET', '/api/apps/shop/releases');
    const stored = listed.body.releases.find((x: any) => x.version === '1.0.0');
    expect(stored.manifest.services[1].image).toBe(`${registry.host}/shop/web@${web1}`);
  });

  it('bumps only the named services, pinning the new tag, and keeps the rest', async () => {
    const web3 = await registry.push('shop/web', '3');
    const r = await admin('POST', '/api/apps/shop/releases/1.0.0/bump', { version: '1.1.0', images: { web: 'shop/web:3' } });
    expect(r.status).toBe(201);
    const source = (await admin('GET', '/api/apps/shop/releases')).body.releases.find((x: any) => x.version === '1.0.0');
    expect(r.body.version).toBe('1.1.0');
    expect(r.body.manifest.services[1]).toEqual({ ...source.manifest.services[1], image: `${registry.host}/shop/web@${web3}` });
    expect(r.body.manifest.services[0]).toEqual(source.manifest.services[0]);
    // A second bump to the same version is refused: releases are immutable.
    const again = await admin('POST', '/api/apps/shop/releases/1.0.0/bump', { version: '1.1.0', images: { web: 'shop/web:3' } });
    expect(again.status).toBe(409);
  });

  it.each<[string, string, unknown, number, string]>([
    ['an unknown service', '1.0.0', { version: '2.0.0', images: { api: 'shop/web:3' } }, 400, 'body.images.api'],
    ['a bad reference', '1.0.0', { version: '2.0.0', images: { web: 'Shop/Web' } }, 400, 'body.images.web'],
    ['a tag the registry lacks', '1.0.0', { version: '2.0.0', images: { web: 'shop/web:nope' } }, 400, 'body.images.web'],
    ['another registry', '1.0.0', { version: '2.0.0', images: { web: 'evil.example.com/shop/web:3' } }, 400, 'body.images.web'],
    ['no images', '1.0.0', { version: '2.0.0', images: {} }, 400, 'body.images'],
    ['a missing source release', '9.9.9', { version: '2.0.0', images: { web: 'shop/web:3' } }, 404, ''],
  ])('refuses a bump with %s', async (_n, from, body, status, field) => {
    const r = await admin('POST', `/api/apps/shop/releases/${from}/bump`, body);
    expect(r.status).toBe(status);
    if (field) expect(r.body.fields.map((f: any) => f.field)).toContain(field);
    expect((await admin('GET', '/api/apps/shop/releases')).body.releases.map((x: any) => x.version)).not.toContain('2.0.0');
  });

  it('refuses an artifact service in a bump, and a release that needs an artifact without one', async () => {
    const hello = helloRelease(1, { version: '4.0.0' });
    expect((await admin('POST', '/api/apps/shop/releases', hello)).status).toBe(201);
    const bump = await admin('POST', `/api/apps/shop/releases/${hello.version}/bump`, { version: '5.0.0', images: { web: 'shop/web:3' } });
    expect(bump.status).toBe(400);
    expect(bump.body.fields[0]).toEqual({ field: 'body.images.web', message: expect.stringMatching(/runs from the release's artifact/) });
    const noArtifact = await admin('POST', '/api/apps/shop/releases', { version: '5.0.1', manifest: hello.manifest });
    expect(noArtifact.status).toBe(400);
    expect(noArtifact.body.fields.map((f: any) => f.field)).toEqual(['body.artifact']);
  });

  it('names the image field of a release whose tag is missing, and creates nothing', async () => {
    const r = await admin('POST', '/api/apps/shop/releases', imageRelease('6.0.0', 'shop/web:missing', 'shop/worker:1'));
    expect(r.status).toBe(400);
    expect(r.body.fields.map((f: any) => f.field)).toEqual(['body.manifest.services.1.image']);
  });

  it("a signed push's image becomes the http service's, pinned; an app whose web runs from an artifact refuses it", async () => {
    const secret = (await admin('POST', '/api/apps/shop/webhook-secret', {})).body.secret as string;
    const send = async (payload: unknown, delivery: string) => {
      const raw = JSON.stringify(payload);
      const res = await fetch(`${s.apiUrl}/api/apps/shop/webhooks/push`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-slipway-delivery': delivery, 'x-hub-signature-256': signBody(secret, raw) },
        body: raw,
      });
      return { status: res.status, body: (await res.json()) as any };
    };
    const pushed = await registry.push('shop/web', 'push');
    // The newest release (4.0.0) runs its web service from an artifact: an image cannot replace it.
    const refused = await send({ version: '7.0.0', image: 'shop/web:push' }, 'img-1');
    expect([refused.status, refused.body.fields[0].field]).toEqual([400, 'body.image']);
    const manifest = imageRelease('unused', 'shop/web:stable', 'shop/worker:1').manifest;
    const ok = await send({ version: '7.0.0', image: 'shop/web:push', manifest }, 'img-2');
    expect(ok.status).toBe(202);
    const services = ok.body.release.manifest.services as { name: string; image: string }[];
    expect(services.find((x) => x.name === 'web')!.image).toBe(`${registry.host}/shop/web@${pushed}`);
    expect(services.find((x) => x.name === 'worker')!.image).toMatch(new RegExp(`^${registry.host}/shop/worker@sha256:`));
  });
});
