import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ManifestSchema, needsArtifact, startOrder, webService } from '../../domain/manifest';

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
    ['neither command nor image', (m) => delete m.services[0].command, 'services.0.command'],
    ['args without an image', (m) => (m.services[0].args = ['-v']), 'services.0.args'],
    ['a container port without an image', (m) => (m.services[0].port = 8080), 'services.0.port'],
    ['an image without tag or digest', (m) => (m.services[0].image = 'acme/web'), 'services.0.image'],
    ['an upper-case image', (m) => (m.services[0].image = 'Acme/web:1'), 'services.0.image'],
    ['a short digest', (m) => (m.services[0].image = 'acme/web@sha256:abc'), 'services.0.image'],
    ['memory below 16 MB', (m) => (m.services[0].resources = { memoryMb: 1 }), 'services.0.resources.memoryMb'],
    ['an unknown resource', (m) => (m.services[0].resources = { gpus: 1 }), 'services.0.resources'],
    ['the only service ready by runningSeconds', (m) => (m.services[0].readiness = { runningSeconds: 3 }), 'services.0.readiness'],
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

const SHA = `sha256:${'a'.repeat(64)}`;
const twoServices = (): any => ({
  services: [
    { name: 'worker', image: 'acme/worker:1', readiness: { runningSeconds: 2 }, dependsOn: ['db'] },
    { name: 'web', image: `acme/web@${SHA}`, port: 8080, http: true, readiness: { path: '/healthz' }, dependsOn: ['worker', 'db'] },
    { name: 'db', command: ['node', 'db.js'], readiness: { path: '/ready' } },
  ],
});

describe('ManifestSchema with several services', () => {
  it('accepts image services, several services and dependsOn; picks the web service and a start order', () => {
    const m = ManifestSchema.parse(twoServices());
    expect(webService(m).name).toBe('web');
    expect(startOrder(m).map((s) => s.name)).toEqual(['db', 'worker', 'web']);
    expect(needsArtifact(m)).toBe(true);
  });

  it('needs no artifact when every service is an image', () => {
    const m = twoServices();
    m.services[2] = { name: 'db', image: 'acme/db:16', readiness: { runningSeconds: 1 } };
    expect(needsArtifact(ManifestSchema.parse(m))).toBe(false);
  });

  it.each<[string, string[][], string[]]>([
    ['no dependencies keeps manifest order', [[], [], []], ['a', 'b', 'c']],
    ['a chain runs backwards', [['b'], ['c'], []], ['c', 'b', 'a']],
    ['a diamond', [['b', 'c'], ['c'], []], ['c', 'b', 'a']],
    ['one dependency already met', [[], [], ['a']], ['a', 'b', 'c']],
    ['the first waits for the last', [['c'], [], []], ['b', 'c', 'a']],
  ])('start order: %s', (_n, deps, expected) => {
    const names = ['a', 'b', 'c'];
    const m = ManifestSchema.parse({
      services: names.map((name, i) => ({
        name,
        command: ['x'],
        http: i === 0 || undefined,
        readiness: i === 0 ? { path: '/' } : { runningSeconds: 1 },
        dependsOn: deps[i],
      })),
    });
    expect(startOrder(m).map((s) => s.name)).toEqual(expected);
  });

  it.each<[string, (m: any) => void, string, RegExp]>([
    ['no service marked http', (m) => delete m.services[1].http, 'services', /exactly one service takes HTTP traffic/],
    ['two marked http', (m) => (m.services[0].http = true), 'services', /2 marked/],
    [
      'the http service ready by runningSeconds',
      (m) => (m.services[1].readiness = { runningSeconds: 1 }),
      'services.1.readiness',
      /HTTP readiness/,
    ],
    ['an unknown dependency', (m) => (m.services[0].dependsOn = ['db', 'cache']), 'services.0.dependsOn.1', /no service is named cache/],
    ['a cycle', (m) => (m.services[2].dependsOn = ['web']), 'services.0.dependsOn', /cycle: worker → db → web → worker/],
    ['a service depending on itself', (m) => (m.services[2].dependsOn = ['db']), 'services.2.dependsOn', /cycle: db → db/],
    ['two services of one name', (m) => (m.services[2].name = 'worker'), 'services.2.name', /already named worker/],
  ])('rejects %s, naming %s', (_n, mutate, field, message) => {
    const m = twoServices();
    mutate(m);
    const r = ManifestSchema.safeParse(m);
    expect(r.success).toBe(false);
    if (r.success) return;
    const issue = r.error.issues.find((i) => i.path.join('.') === field);
    expect(issue?.message).toMatch(message);
  });
});
