import path from 'node:path';
import { ConfigError, DEFAULTS, loadConfig } from '../../src/config';

describe('loadConfig', () => {
  it('uses named defaults for an empty environment', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      dataDir: path.resolve(DEFAULTS.dataDir),
      apiPort: 3000,
      routerPort: 8080,
      routerAdminPort: 8081,
      routerAdminUrl: 'http://127.0.0.1:8081',
      namespace: 'default',
      taskQueue: 'slipway',
      logLevel: 'info',
    });
    expect(c.databaseUrl).toBeUndefined();
    expect(c.temporalAddress).toBeUndefined();
  });

  it('reads and coerces variables', () => {
    const c = loadConfig({
      SLIPWAY_API_PORT: '4000',
      DATABASE_URL: 'postgres://u:p@db:5432/s',
      TEMPORAL_ADDRESS: 'temporal:7233',
      SLIPWAY_ROUTER_ADMIN_PORT: '9000',
    });
    expect(c).toMatchObject({
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
    ['SLIPWAY_TEMPORAL', 'sqlite'],
    ['SLIPWAY_WORKERS', '0'],
    ['SLIPWAY_APIS', 'two'],
    ['SLIPWAY_TEMPORAL_HISTORY_SHARDS', '0'],
  ])('rejects %s=%s naming the variable and the fix', (key, value) => {
    expect(() => loadConfig({ [key]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [key]: value })).toThrow(new RegExp(`${key}[\\s\\S]*Fix the variables`));
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
