import { invalidTenantEnvNames, planEnv, type StoredEnvVar } from '../../domain/envResolution';
import type { EnvVarSpec } from '../../domain/manifest';

const tenant = (key: string, value: string, secret = false): StoredEnvVar => ({ key, value, source: 'tenant', secret });
const generated = (key: string, value: string): StoredEnvVar => ({ key, value, source: 'generated', secret: true });
const platform = { SLIPWAY_RELEASE_VERSION: '1.0.0' };

describe('planEnv', () => {
  const schema: Record<string, EnvVarSpec> = {
    GREETING: { required: true },
    LOG_FORMAT: { default: 'json' },
    SESSION_SECRET: { generate: 'hex32', secret: true },
    OPTIONAL: {},
  };

  it.each<[string, StoredEnvVar[], Partial<ReturnType<typeof planEnv>>]>([
    ['tenant value wins over default', [tenant('GREETING', 'hi'), tenant('LOG_FORMAT', 'text')], { missing: [] }],
    ['missing required is reported', [], { missing: ['GREETING'] }],
    [
      'generated secret is planned once',
      [tenant('GREETING', 'hi')],
      { toGenerate: [{ key: 'SESSION_SECRET', kind: 'hex32', secret: true }] },
    ],
    ['generated secret is reused', [tenant('GREETING', 'hi'), generated('SESSION_SECRET', 'abc')], { toGenerate: [] }],
  ])('%s', (_n, stored, expected) => {
    expect(planEnv(schema, stored, platform)).toMatchObject(expected);
  });

  it('resolves values by precedence and passes tenant extras through', () => {
    const plan = planEnv(
      schema,
      [tenant('GREETING', 'hi'), tenant('LOG_FORMAT', 'text'), generated('SESSION_SECRET', 'abc'), tenant('EXTRA', 'x', true)],
      platform,
    );
    expect(plan.values).toEqual({
      GREETING: 'hi',
      LOG_FORMAT: 'text',
      SESSION_SECRET: 'abc',
      EXTRA: 'x',
      SLIPWAY_RELEASE_VERSION: '1.0.0',
    });
    expect(plan.secretKeys).toEqual(['EXTRA', 'SESSION_SECRET']);
    expect(plan.values).not.toHaveProperty('OPTIONAL');
  });

  it('lets the platform values win over anything stored', () => {
    expect(planEnv({}, [tenant('SLIPWAY_RELEASE_VERSION', 'forged')], platform).values.SLIPWAY_RELEASE_VERSION).toBe('1.0.0');
  });
});

describe('invalidTenantEnvNames', () => {
  it.each([
    ['GREETING', false],
    ['lower_ok', false],
    ['1STARTS_WITH_DIGIT', true],
    ['HAS-DASH', true],
    ['SLIPWAY_RELEASE_VERSION', true],
    ['slipway_anything', true],
  ])('%s → invalid=%s', (key, invalid) => {
    expect(invalidTenantEnvNames([key]).length > 0).toBe(invalid);
  });
});
