import { loaderEnvReason, LOADER_ENV_NAMES, LOADER_ENV_PREFIXES } from '../../domain/loaderEnv';
import { invalidTenantEnvNames } from '../../domain/envResolution';
import { ManifestSchema } from '../../domain/manifest';

describe('env names that change how a runtime or the loader starts', () => {
  it.each<[string, boolean]>([
    ['NODE_OPTIONS', true],
    ['node_options', true],
    ['NODE_PATH', true],
    ['NODE_EXTRA_CA_CERTS', true],
    ['LD_PRELOAD', true],
    ['LD_LIBRARY_PATH', true],
    ['ld_audit', true],
    ['DYLD_INSERT_LIBRARIES', true],
    ['PATH', true],
    ['Path', true],
    ['HOME', true],
    ['PYTHONSTARTUP', true],
    ['PYTHONPATH', true],
    ['JAVA_TOOL_OPTIONS', true],
    ['_JAVA_OPTIONS', true],
    ['PERL5OPT', true],
    ['RUBYOPT', true],
    ['BASH_ENV', true],
    ['ENV', true],
    ['BASH_FUNC_x%%', true],
    ['GREETING', false],
    ['DATABASE_URL', false],
    ['LOG_FORMAT', false],
    ['ENVIRONMENT', false],
    ['MY_NODE_OPTIONS', false],
    ['PATHS_TO_SERVE', false],
    ['HOMEPAGE_URL', false],
  ])('%s → refused=%s', (key, refused) => {
    expect(loaderEnvReason(key) !== null).toBe(refused);
  });

  it('is refused from tenants with the reason', () => {
    expect(invalidTenantEnvNames(['NODE_OPTIONS', 'GREETING'])).toEqual([
      { key: 'NODE_OPTIONS', reason: expect.stringContaining('NODE_') },
    ]);
  });

  it('is refused as a variable a release declares, or as its port variable', () => {
    const service = { name: 'web', command: ['node', 'server.js'], readiness: { path: '/healthz' } };
    const declared = ManifestSchema.safeParse({ services: [service], env: { LD_PRELOAD: { default: '/tmp/x.so' } } });
    expect(declared.success).toBe(false);
    expect(declared.error?.issues[0].path).toEqual(['env', 'LD_PRELOAD']);
    const asPort = ManifestSchema.safeParse({ services: [{ ...service, portEnv: 'NODE_OPTIONS' }] });
    expect(asPort.success).toBe(false);
    expect(asPort.error?.issues[0].path).toEqual(['services', 0, 'portEnv']);
  });

  it('keeps the list upper-case so that the case-insensitive match holds', () => {
    for (const name of [...LOADER_ENV_NAMES, ...LOADER_ENV_PREFIXES]) expect(name).toBe(name.toUpperCase());
  });
});
