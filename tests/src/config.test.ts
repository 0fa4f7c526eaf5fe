import path from 'node:path';
import { ConfigError, DEFAULTS, loadConfig, localUrlHost } from '../../src/config';

describe('loadConfig', () => {
  it('publishes artifacts only from the checkout examples by default, or from SLIPWAY_ARTIFACT_ROOT (: separated)', () => {
    expect(loadConfig({}).artifactRoots).toEqual([path.resolve(__dirname, '../../examples')]);
    expect(loadConfig({ SLIPWAY_ARTIFACT_ROOT: '/srv/releases:relative/dir:' }).artifactRoots).toEqual([
      '/srv/releases',
      path.resolve('relative/dir'),
    ]);
  });

  it('uses named defaults for an empty environment', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      dataDir: path.resolve(DEFAULTS.dataDir),
      apiPort: 3000,
      routerPort: 8080,
      routerAdminPort: 8081,
      routerAdminUrl: 'http://127.0.0.1:8081',
      router: 'builtin',
      namespace: 'default',
      taskQueue: 'slipway',
      logLevel: 'info',
      logFormat: 'auto',
    });
    expect(c.databaseUrl).toBeUndefined();
    expect(c.temporalAddress).toBeUndefined();
  });

  it('compute: local by default; docker with an engine address', () => {
    expect(loadConfig({}).compute).toBe('local');
    expect(loadConfig({ SLIPWAY_COMPUTE: 'docker', DOCKER_HOST: 'unix:///run/x/podman.sock' })).toMatchObject({
      compute: 'docker',
      dockerHost: 'unix:///run/x/podman.sock',
    });
    expect(() => loadConfig({ SLIPWAY_COMPUTE: 'kubernetes-ish' })).toThrow(/SLIPWAY_COMPUTE/);
    expect(loadConfig({ SLIPWAY_COMPUTE: 'kubernetes', SLIPWAY_KUBECONFIG: '/etc/slipway/kubeconfig' })).toMatchObject({
      compute: 'kubernetes',
      kubeconfig: '/etc/slipway/kubeconfig',
    });
    expect(() => loadConfig({ SLIPWAY_KUBECONFIG: '' })).toThrow(/SLIPWAY_KUBECONFIG/);
    expect(() => loadConfig({ DOCKER_HOST: '/var/run/docker.sock' })).toThrow(/DOCKER_HOST: must start with unix:\/\/\//);
  });

  it('router: kubernetes only on kubernetes compute, with a message naming the alternatives', () => {
    expect(loadConfig({ SLIPWAY_COMPUTE: 'kubernetes', SLIPWAY_ROUTER: 'kubernetes' })).toMatchObject({
      compute: 'kubernetes',
      router: 'kubernetes',
    });
    for (const compute of [undefined, 'local', 'docker']) {
      expect(() => loadConfig({ SLIPWAY_ROUTER: 'kubernetes', ...(compute ? { SLIPWAY_COMPUTE: compute } : {}) })).toThrow(
        /SLIPWAY_ROUTER: kubernetes .* needs SLIPWAY_COMPUTE=kubernetes; with other compute use builtin or haproxy/,
      );
    }
  });

  it('reads and coerces variables', () => {
    const c = loadConfig({
      SLIPWAY_API_PORT: '4000',
      DATABASE_URL: 'postgres://u:p@db:5432/s',
      TEMPORAL_ADDRESS: 'temporal:7233',
      SLIPWAY_ROUTER_ADMIN_PORT: '9000',
      SLIPWAY_ROUTER: 'haproxy',
    });
    expect(c).toMatchObject({
      router: 'haproxy',
      apiPort: 4000,
      databaseUrl: 'postgres://u:p@db:5432/s',
      temporalAddress: 'temporal:7233',
      routerAdminUrl: 'http://127.0.0.1:9000',
    });
  });

  it.each([
    ['SLIPWAY_API_PORT', 'abc'],
    ['SLIPWAY_API_PORT', '70000'],
    ['DATABASE_URL', 'not a url'],
    ['LOG_LEVEL', 'loud'],
    ['SLIPWAY_ROUTER', 'nginx'],
    ['SLIPWAY_TEMPORAL', 'sqlite'],
    ['SLIPWAY_WORKERS', '0'],
    ['SLIPWAY_APIS', 'two'],
    ['SLIPWAY_TEMPORAL_HISTORY_SHARDS', '0'],
    ['SLIPWAY_LOG_FORMAT', 'fancy'],
  ])('rejects %s=%s naming the variable and the fix', (key, value) => {
    expect(() => loadConfig({ [key]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [key]: value })).toThrow(new RegExp(`${key}[\\s\\S]*Fix the variables`));
  });

  it("HAProxy's abnormal-request log: off unless SLIPWAY_HAPROXY_ERROR_LOG=1, and a wrong value names the variable", () => {
    expect(loadConfig({}).haproxyErrorLog).toBe(false);
    expect(loadConfig({ SLIPWAY_HAPROXY_ERROR_LOG: '1' }).haproxyErrorLog).toBe(true);
    expect(() => loadConfig({ SLIPWAY_HAPROXY_ERROR_LOG: 'yes' })).toThrow(/SLIPWAY_HAPROXY_ERROR_LOG/);
  });

  it('defaults to the dev server, one worker and one API', () => {
    expect(loadConfig({})).toMatchObject({ temporal: 'dev', temporalHistoryShards: 4, workers: 1, apis: 1, restoreOnBoot: true });
  });

  it('reads the scale-out variables', () => {
    const c = loadConfig({ SLIPWAY_TEMPORAL: 'server', SLIPWAY_WORKERS: '3', SLIPWAY_APIS: '2', SLIPWAY_RESTORE_ON_BOOT: '0' });
    expect(c).toMatchObject({ temporal: 'server', workers: 3, apis: 2, restoreOnBoot: false });
  });

  it('refuses several APIs on port 0 or past the last port, naming SLIPWAY_API_PORT', () => {
    expect(() => loadConfig({ SLIPWAY_APIS: '2', SLIPWAY_API_PORT: '0' })).toThrow(/SLIPWAY_API_PORT/);
    expect(() => loadConfig({ SLIPWAY_APIS: '3', SLIPWAY_API_PORT: '65534' })).toThrow(/SLIPWAY_API_PORT/);
    expect(loadConfig({ SLIPWAY_APIS: '2', SLIPWAY_API_PORT: '65534' }).apis).toBe(2);
  });
});

describe('security settings', () => {
  it('listens on loopback for the API and on all interfaces for the router unless told otherwise', () => {
    expect(loadConfig({})).toMatchObject({ apiHost: '127.0.0.1', routerHost: '0.0.0.0' });
    expect(loadConfig({ SLIPWAY_API_HOST: '0.0.0.0', SLIPWAY_ROUTER_HOST: '::1' })).toMatchObject({
      apiHost: '0.0.0.0',
      routerHost: '::1',
    });
    expect(loadConfig({ SLIPWAY_API_HOST: 'api.internal' }).apiHost).toBe('api.internal');
  });

  it.each(['not a host', 'http://0.0.0.0', '0.0.0.0:3000', ''])('rejects SLIPWAY_API_HOST=%j naming it', (value) => {
    expect(() => loadConfig({ SLIPWAY_API_HOST: value })).toThrow(/SLIPWAY_API_HOST: must be an IP address or a host name/);
    expect(() => loadConfig({ SLIPWAY_ROUTER_HOST: value })).toThrow(/SLIPWAY_ROUTER_HOST/);
  });

  it('maps a listen address to the one a local process connects to', () => {
    expect(localUrlHost('0.0.0.0')).toBe('127.0.0.1');
    expect(localUrlHost('::')).toBe('127.0.0.1');
    expect(localUrlHost('10.1.2.3')).toBe('10.1.2.3');
    expect(localUrlHost('::1')).toBe('[::1]');
  });

  it('reads the failed-token limits, 20 per 10 s by default', () => {
    expect(loadConfig({}).authFailureLimits).toEqual({ maxFailures: 20, windowSeconds: 10 });
    expect(loadConfig({ SLIPWAY_AUTH_FAILURE_LIMIT: '5', SLIPWAY_AUTH_FAILURE_WINDOW_SECONDS: '60' }).authFailureLimits).toEqual({
      maxFailures: 5,
      windowSeconds: 60,
    });
    expect(() => loadConfig({ SLIPWAY_AUTH_FAILURE_LIMIT: '0' })).toThrow(/SLIPWAY_AUTH_FAILURE_LIMIT/);
  });

  const key = Buffer.alloc(32, 7);
  it.each([
    ['base64', key.toString('base64')],
    ['base64url', key.toString('base64url')],
    ['hex', key.toString('hex')],
    ['hex with a newline', `${key.toString('hex')}\n`],
  ])('accepts a 32-byte SLIPWAY_SECRET_KEY as %s', (_name, value) => {
    expect(loadConfig({ SLIPWAY_SECRET_KEY: value, SLIPWAY_SECRET_KEY_PREVIOUS: value })).toMatchObject({
      secretKey: key,
      secretKeyPrevious: key,
    });
  });

  it.each([
    ['16 bytes', Buffer.alloc(16, 1).toString('base64')],
    ['33 bytes', Buffer.alloc(33, 1).toString('hex')],
    ['a passphrase', 'correct horse battery staple'],
  ])('rejects a SLIPWAY_SECRET_KEY of %s with how to make one, never echoing it', (_name, value) => {
    expect(() => loadConfig({ SLIPWAY_SECRET_KEY: value })).toThrow(/SLIPWAY_SECRET_KEY: must be 32 bytes as base64 or hex/);
    expect(() => loadConfig({ SLIPWAY_SECRET_KEY: value })).not.toThrow(value);
    expect(() => loadConfig({ SLIPWAY_SECRET_KEY_PREVIOUS: value })).toThrow(/SLIPWAY_SECRET_KEY_PREVIOUS/);
  });

  it('reads the registry: none by default, embedded for docker compute, or a given URL with credentials', () => {
    expect(loadConfig({}).registry).toBeUndefined();
    expect(loadConfig({ SLIPWAY_COMPUTE: 'docker' }).registry).toEqual({ embedded: true, credentials: undefined });
    expect(loadConfig({ SLIPWAY_REGISTRY: 'embedded' }).registry).toEqual({ embedded: true, credentials: undefined });
    expect(
      loadConfig({ SLIPWAY_REGISTRY: 'https://reg.example.com', SLIPWAY_REGISTRY_USERNAME: 'ci', SLIPWAY_REGISTRY_PASSWORD: 'pw' })
        .registry,
    ).toEqual({ embedded: false, url: 'https://reg.example.com', credentials: { username: 'ci', password: 'pw' } });
    expect(() => loadConfig({ SLIPWAY_REGISTRY: 'ftp://x' })).toThrow(/SLIPWAY_REGISTRY: must be embedded or an http/);
    expect(() => loadConfig({ SLIPWAY_REGISTRY: 'embedded', SLIPWAY_REGISTRY_PASSWORD: 'pw' })).toThrow(/set both or neither/);
  });
});
