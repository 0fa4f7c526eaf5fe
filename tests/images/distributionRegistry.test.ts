import { DistributionRegistry, MANIFEST_ACCEPT } from '../../images/distributionRegistry';
import { ImageNotFoundError, InvalidImageReferenceError } from '../../ports/imageRegistry';
import { startTestRegistry, type TestRegistry } from '../helpers/ociRegistry';

let registry: TestRegistry;
let client: DistributionRegistry;

beforeAll(async () => {
  registry = await startTestRegistry();
  client = new DistributionRegistry({ url: registry.url });
});
afterAll(() => registry?.close());

describe('DistributionRegistry against a real distribution registry', () => {
  it('resolves a tag to the digest of its manifest, with or without the host', async () => {
    const digest = await registry.push('acme/web', '1.0');
    const bare = await client.resolve('acme/web:1.0');
    expect(bare).toEqual({
      digestRef: `${registry.host}/acme/web@${digest}`,
      repository: 'acme/web',
      digest,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
    });
    expect((await client.resolve(`${registry.host}/acme/web:1.0`)).digestRef).toBe(bare.digestRef);
  });

  it('follows a moved tag, while the old digest still resolves to itself', async () => {
    const first = await registry.push('acme/api', 'stable');
    const second = await registry.push('acme/api', 'stable');
    expect(second).not.toBe(first);
    expect((await client.resolve('acme/api:stable')).digest).toBe(second);
    expect((await client.resolve(`acme/api@${first}`)).digestRef).toBe(`${registry.host}/acme/api@${first}`);
  });

  it('answers exists, and remove makes the digest disappear (twice is fine)', async () => {
    const digest = await registry.push('acme/gone', '1');
    const ref = `${registry.host}/acme/gone@${digest}`;
    expect(await client.exists(ref)).toBe(true);
    await client.remove(ref);
    await client.remove(ref);
    expect(await client.exists(ref)).toBe(false);
    await expect(client.resolve('acme/gone:1')).rejects.toBeInstanceOf(ImageNotFoundError);
  });

  it('refuses bad references and other registries before asking', async () => {
    await expect(client.resolve('Acme/Web:1')).rejects.toBeInstanceOf(InvalidImageReferenceError);
    await expect(client.resolve('acme/web')).rejects.toThrow(/tag .* or a digest/);
    await expect(client.resolve('registry.example.com/acme/web:1')).rejects.toThrow(/names registry registry.example.com/);
    await expect(client.exists(`${registry.host}/acme/web:1.0`)).rejects.toThrow(/not pinned/);
    await expect(client.resolve('acme/nothing:1')).rejects.toBeInstanceOf(ImageNotFoundError);
  });

  it('asks for every manifest kind, so an OCI index is never refused', () => {
    expect(MANIFEST_ACCEPT).toContain('application/vnd.oci.image.index.v1+json');
    expect(MANIFEST_ACCEPT).toContain('application/vnd.docker.distribution.manifest.v2+json');
  });
});
