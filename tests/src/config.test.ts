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
      logFormat: 'auto',
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
    ['SLIPWAY_LOG_FORMAT', 'fancy'],
  ])('rejects %s=%s naming the variable and the fix', (key, value) => {
    expect(() => loadConfig({ [key]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [key]: value })).toThrow(new RegExp(`${key}[\\s\\S]*Fix the variables`));
  });
});
