import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ManifestSchema } from '../../domain/manifest';

const valid = () => ({
  services: [{ name: 'web', command: ['node', 'server.js'], portEnv: 'PORT', readiness: { path: '/healthz' } }],
  env: { GREETING: { required: true } },
});

describe('ManifestSchema', () => {
  it('accepts both shipped hello-app releases', () => {
    for (const v of [1, 2]) {
      const body = JSON.parse(readFileSync(path.join(__dirname, '../../examples/hello-app', `release-v${v}.json`), 'utf8'));
      expect(ManifestSchema.safeParse(body.manifest).success).toBe(true);
    }
  });

  it('defaults portEnv to PORT and env to {}', () => {
    const m = valid() as any;
    delete m.services[0].portEnv;
    delete m.env;
    expect(ManifestSchema.parse(m)).toMatchObject({ services: [{ portEnv: 'PORT' }], env: {} });
  });

  it.each<[string, (m: any) => void, string]>([
    ['no services', (m) => (m.services = []), 'services'],
    ['empty command', (m) => (m.services[0].command = []), 'services.0.command'],
    ['readiness path without slash', (m) => (m.services[0].readiness.path = 'healthz'), 'services.0.readiness.path'],
    ['bad service name', (m) => (m.services[0].name = 'Web Server'), 'services.0.name'],
    ['lower-case env name', (m) => (m.env = { greeting: {} }), 'env.greeting'],
    ['unknown env option', (m) => (m.env = { A: { requried: true } }), 'env.A'],
    ['generated and required', (m) => (m.env = { A: { generate: 'hex32', required: true } }), 'env.A'],
    ['unknown top-level key', (m) => (m.image = 'x'), ''],
  ])('rejects %s, naming %s', (_n, mutate, field) => {
    const m = valid();
    mutate(m);
    const r = ManifestSchema.safeParse(m);
    expect(r.success).toBe(false);
    if (!r.success) expect(r.error.issues.map((i) => i.path.join('.'))).toContain(field);
  });
});
