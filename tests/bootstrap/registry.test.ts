import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startLocalRegistry } from '../../src/bootstrap/registry';
import { ensureRegistryBinary, RegistryUnavailableError } from '../../src/bootstrap/registryBinary';
import { createLogger } from '../../src/logger';

const logger = createLogger('test', 'silent');

describe('the embedded OCI registry', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'slipway-registry-boot-'));
  });
  afterAll(() => fs.rm(tmp, { recursive: true, force: true }));

  it('says how to get it when it is not cached and Go is missing', async () => {
    const err = await ensureRegistryBinary({ logger, cacheDir: path.join(tmp, 'cache'), env: { PATH: '/nonexistent', HOME: tmp } }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(RegistryUnavailableError);
    expect((err as Error).message).toMatch(/`go` is not on PATH/);
    expect((err as Error).message).toContain('go install -trimpath');
    expect((err as Error).message).toContain('SLIPWAY_REGISTRY=http://host:port');
  });

  it('runs on a free loopback port with its blobs and config in the data dir, delete enabled, and stops', async () => {
    const binary = await ensureRegistryBinary({ logger });
    const dataDir = path.join(tmp, 'data');
    const registry = await startLocalRegistry({ binary, dataDir, logger });
    try {
      expect(registry.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect((await fetch(`${registry.url}/v2/`)).status).toBe(200);
      const config = JSON.parse(await fs.readFile(registry.configFile, 'utf8'));
      expect(config.storage).toEqual({ filesystem: { rootdirectory: path.join(dataDir, 'storage') }, delete: { enabled: true } });
      expect(config.http.addr).toBe(registry.host);
    } finally {
      await registry.stop();
    }
    await expect(fetch(`${registry.url}/v2/`)).rejects.toThrow();
  });
});
