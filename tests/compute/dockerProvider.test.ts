import { Writable } from 'node:stream';
import type Docker from 'dockerode';
import pino from 'pino';
import { createDockerComputeProvider } from '../../compute/docker/dockerProvider';
import { containerCreateOptions, LABELS, releaseStepCreateOptions } from '../../compute/docker/containerSpec';
import { demuxLogFrames } from '../../compute/docker/logFrames';
import { RevisionStartError, type ComputeProvider, type RevisionSpec } from '../../ports/compute';
import { forgetImage, PROBE_COMMAND, startContainerStack, type ContainerStack } from '../helpers/containerStack';

/**
 * The docker provider against a real engine (Podman's API service) and a real registry, with an
 * image built here. Every revision is a real container; "a new worker" is a second provider
 * instance that shares nothing with the first but the engine.
 */
const SECRET = 'sekrit-value-9f1c';
const REGISTRY_PASSWORD = 'registry-pw-77ab';
const logLines: string[] = [];
const logger = pino(
  { level: 'debug' },
  new Writable({
    write(chunk, _enc, done) {
      logLines.push(String(chunk));
      done();
    },
  }),
);

let stack: ContainerStack;
let provider: ComputeProvider;

beforeAll(async () => {
  stack = await startContainerStack(logger);
  provider = newWorker();
}, 300_000);

afterAll(async () => {
  await stack?.close();
});

function newWorker(): ComputeProvider {
  return createDockerComputeProvider({
    docker: stack.docker,
    logger,
    registryCredentials: { registry: stack.registry.host, username: 'slipway', password: REGISTRY_PASSWORD },
  });
}

function spec(key: string, overrides: Partial<RevisionSpec> = {}): RevisionSpec {
  return {
    key,
    deploymentId: `d-${key}`,
    tenantId: 't-one',
    service: 'web',
    program: { kind: 'image', image: stack.appImage },
    env: { SLIPWAY_RELEASE_VERSION: '1.2.3', SESSION_SECRET: SECRET },
    portEnv: 'PORT',
    containerPort: 8080,
    ...overrides,
  };
}

async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => null);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const get = async (port: number, p: string) => {
  const res = await fetch(`http://127.0.0.1:${port}${p}`);
  return { status: res.status, body: await res.text() };
};
const ready = (port: number) => waitFor('healthz 200', async () => (await get(port, '/healthz')).status === 200);

async function containerOf(key: string) {
  const [found] = await stack.docker.listContainers({ all: true, filters: { label: [`${LABELS.revision}=${key}`] } });
  return found ? stack.docker.getContainer(found.Id).inspect() : null;
}

test('start runs the pinned image with its env, publishes on loopback, and status/list come from the engine', async () => {
  const running = await provider.start(spec('web-1'));
  expect(running.endpoint.host).toBe('127.0.0.1');
  await ready(running.endpoint.port);
  const body = JSON.parse((await get(running.endpoint.port, '/')).body);
  expect(body).toMatchObject({ version: '1.2.3', secretLength: SECRET.length });

  expect(await provider.status('web-1')).toEqual(running);
  expect(await provider.list('d-web-1')).toEqual(['web-1']);
  expect(await provider.list('d-other')).toEqual([]);
  const info = await containerOf('web-1');
  expect(info?.NetworkSettings.Ports['8080/tcp']?.[0]).toMatchObject({ HostIp: '127.0.0.1', HostPort: String(running.endpoint.port) });
  expect(info?.Config.Labels).toMatchObject({
    [LABELS.managed]: 'true',
    [LABELS.deployment]: 'd-web-1',
    [LABELS.revision]: 'web-1',
    [LABELS.service]: 'web',
    [LABELS.tenant]: 't-one',
  });
  // Env only in the container's config: not in labels, not in anything the provider logged.
  expect(JSON.stringify(info?.Config.Labels)).not.toContain(SECRET);
  expect(info?.HostConfig.Binds ?? []).toEqual([]);
  expect(info?.Mounts.filter((m) => m.Type === 'bind' && !/\/(hosts|hostname|resolv\.conf|\.containerenv)$/.test(m.Destination))).toEqual(
    [],
  );
});

test('a second start of the key, and a start by a new worker, adopt the running container', async () => {
  const first = await provider.start(spec('web-2'));
  const again = await provider.start(spec('web-2'));
  expect(again).toEqual(first);
  const [a, b] = await Promise.all([provider.start(spec('web-2')), newWorker().start(spec('web-2'))]);
  expect(a).toEqual(first);
  expect(b).toEqual(first);
  const later = newWorker();
  expect(await later.status('web-2')).toEqual(first);
  expect(await later.list('d-web-2')).toEqual(['web-2']);
  const all = await stack.docker.listContainers({ all: true, filters: { label: [`${LABELS.revision}=web-2`] } });
  expect(all).toHaveLength(1);
});

test('two workers racing on a fresh key end with one container', async () => {
  const [a, b] = await Promise.all([newWorker().start(spec('web-race')), newWorker().start(spec('web-race'))]);
  expect(a.endpoint).toEqual(b.endpoint);
  const all = await stack.docker.listContainers({ all: true, filters: { label: [`${LABELS.revision}=web-race`] } });
  expect(all).toHaveLength(1);
});

test('resource limits reach the engine; capabilities are dropped', async () => {
  await provider.start(spec('web-limits', { resources: { memoryMb: 128, cpus: 0.5 } }));
  const info = await containerOf('web-limits');
  expect(info?.HostConfig).toMatchObject({ Memory: 128 * 1024 * 1024, NanoCpus: 500_000_000 });
  // Podman spells out ALL; the two a root process would misuse first must be among them.
  const dropped = info?.HostConfig.CapDrop?.map((c: string) => c.replace(/^CAP_/, '')) ?? [];
  expect(dropped).toEqual(expect.arrayContaining(['NET_RAW', 'MKNOD']));
  expect(info?.HostConfig.CapAdd ?? []).toEqual([]);
});

test('a container created but never started (its worker died in between) is started by the next start', async () => {
  const s = spec('web-created');
  await stack.docker.createContainer(containerCreateOptions(s, stack.appImage, { publishHost: '127.0.0.1' }));
  expect(await provider.status('web-created')).toBeNull();
  const running = await provider.start(s);
  await ready(running.endpoint.port);
  const all = await stack.docker.listContainers({ all: true, filters: { label: [`${LABELS.revision}=web-created`] } });
  expect(all).toHaveLength(1);
});

test('a crashed container reads as not running and is replaced by the next start', async () => {
  const first = await provider.start(spec('web-crash', { env: { SLIPWAY_RELEASE_VERSION: '1', HELLO_CRASH_AFTER_MS: '300' } }));
  await waitFor('crash', async () => (await provider.status('web-crash')) === null);
  expect(await provider.list('d-web-crash')).toEqual([]);
  const second = await provider.start(spec('web-crash'));
  expect((await containerOf('web-crash'))?.State.Running).toBe(true);
  expect(second.startedAt).not.toBe(first.startedAt);
});

test('stop sends SIGTERM, removes the container, and is quiet for a gone key', async () => {
  const running = await provider.start(spec('web-stop'));
  await ready(running.endpoint.port);
  await waitFor('a log line', async () => (await provider.tailLogs('web-stop', 20)).some((l) => l.includes('"msg":"ready"')));
  const started = Date.now();
  await provider.stop('web-stop', { graceMs: 5_000 });
  // hello-app drains on SIGTERM and exits at once: no waiting out the grace period.
  expect(Date.now() - started).toBeLessThan(4_500);
  expect(await containerOf('web-stop')).toBeNull();
  expect(await provider.status('web-stop')).toBeNull();
  expect(await provider.tailLogs('web-stop', 20)).toEqual([]);
  await provider.stop('web-stop', { graceMs: 1_000 });
  await provider.stop('never-started', { graceMs: 1_000 });
});

test('a program that ignores SIGTERM is killed after the grace period', async () => {
  const ignoring =
    "process.on('SIGTERM',()=>console.log('ignoring SIGTERM'));require('http').createServer((q,s)=>s.end('up')).listen(8080,'0.0.0.0')";
  const running = await provider.start(
    spec('web-stubborn', { program: { kind: 'image', image: stack.appImage, command: ['/usr/bin/node', '-e', ignoring] } }),
  );
  await waitFor('up', async () => (await get(running.endpoint.port, '/')).body === 'up');
  const started = Date.now();
  await provider.stop('web-stubborn', { graceMs: 1_000 });
  expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  expect(await containerOf('web-stubborn')).toBeNull();
});

test('tailLogs demultiplexes stdout and stderr from the engine', async () => {
  const script = "console.log('to stdout');console.error('to stderr');setInterval(()=>{},1000)";
  await provider.start(spec('web-logs', { program: { kind: 'image', image: stack.appImage, command: ['/usr/bin/node', '-e', script] } }));
  const lines = await waitFor('both lines', async () => {
    const l = await provider.tailLogs('web-logs', 10);
    return l.length >= 2 ? l : null;
  });
  expect(lines).toEqual(expect.arrayContaining(['to stdout', 'to stderr']));
  expect(await provider.tailLogs('web-logs', 1)).toHaveLength(1);
});

test('an image missing from the engine is pulled from the registry by digest', async () => {
  await forgetImage(stack.docker, stack.appImage);
  const running = await provider.start(spec('web-pull'));
  await ready(running.endpoint.port);
  expect(logLines.some((l) => l.includes('"msg":"image pulled"'))).toBe(true);
});

test('references no retry can fix fail as RevisionStartError', async () => {
  const repo = stack.appImage.split('@')[0];
  const bad: [string, RevisionSpec['program']][] = [
    ['tag only', { kind: 'image', image: `${repo}:v1` }],
    ['digest not in the registry', { kind: 'image', image: `${repo}@sha256:${'0'.repeat(64)}` }],
    ['artifact program', { kind: 'artifact', artifactDir: '/tmp', command: ['node'] }],
    ['missing entrypoint', { kind: 'image', image: stack.appImage, command: ['/no/such/program'] }],
  ];
  for (const [what, program] of bad) {
    await expect(provider.start(spec(`web-bad-${what.replace(/\W/g, '-')}`, { program }))).rejects.toBeInstanceOf(RevisionStartError);
  }
  expect(await stack.docker.listContainers({ filters: { label: [`${LABELS.deployment}=d-web-bad-missing-entrypoint`] } })).toEqual([]);
});

test("a tenant's container cannot read the host's data directory, nor reach another tenant's container or the host", async () => {
  const leaky = await provider.start(
    spec('tenant-b', {
      tenantId: 't-two',
      program: { kind: 'image', image: stack.appImage, command: PROBE_COMMAND },
      env: { OTHER_SECRET: SECRET, LEAK_VAR: 'OTHER_SECRET' },
    }),
  );
  const probe = await provider.start(
    spec('tenant-a', { program: { kind: 'image', image: stack.appImage, command: PROBE_COMMAND }, env: {} }),
  );
  await ready(leaky.endpoint.port);
  await ready(probe.endpoint.port);
  // Control: the leaky app does serve its secret, to anyone who can reach it.
  expect(JSON.parse((await get(leaky.endpoint.port, '/leak')).body)).toBe(SECRET);

  const hostPaths = [stack.engine.paths.dataDir, stack.workDir, process.cwd(), '/root', '/etc/os-release', '/var/lib/containers'];
  const files = JSON.parse((await get(probe.endpoint.port, `/files?paths=${encodeURIComponent(JSON.stringify(hostPaths))}`)).body);
  for (const p of hostPaths) expect([p, files[p]]).toEqual([p, 'ENOENT']);

  const bIp = Object.values((await containerOf('tenant-b'))?.NetworkSettings.Networks ?? {})[0]?.IPAddress;
  expect(bIp).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
  const connect = async (host: string, port: number) =>
    JSON.parse((await get(probe.endpoint.port, `/connect?host=${host}&port=${port}`)).body);
  expect(await connect(bIp!, 8080)).not.toBe('connected');
  // The host's services: the registry on loopback, and anything bound to all interfaces via the gateway.
  const [, registryPort] = stack.registry.host.split(':');
  expect(await connect('127.0.0.1', Number(registryPort))).not.toBe('connected');
  const gateway = Object.values((await containerOf('tenant-a'))?.NetworkSettings.Networks ?? {})[0]?.Gateway;
  expect(await connect(gateway!, leaky.endpoint.port)).not.toBe('connected');

  const self = JSON.parse((await get(probe.endpoint.port, '/self')).body);
  expect(self.uid).toBe(10001);
  expect(self.pids).toEqual(['1']);
  expect(JSON.parse((await get(probe.endpoint.port, '/env')).body)).not.toContain('OTHER_SECRET');
});

describe('release steps (runOnce)', () => {
  const stepSpec = (key: string, script: string, overrides: Partial<RevisionSpec> = {}) =>
    spec(key, {
      service: 'release',
      program: { kind: 'image', image: stack.appImage, command: ['/usr/bin/node', '-e', script] },
      ...overrides,
    });
  const stepContainers = (key: string) => stack.docker.listContainers({ all: true, filters: { label: [`${LABELS.releaseStep}=${key}`] } });
  const once = { timeoutMs: 30_000, maxLines: 10 };

  test('runs a one-off container of the image with the env to its end, reports exit code and output, and removes it', async () => {
    const script =
      "console.log('migrating', process.env.SLIPWAY_RELEASE_VERSION, process.env.PORT); console.error('oops'); process.exit(3)";
    const result = await provider.runOnce!(stepSpec('step-1', script), once);
    expect(result).toEqual({ exitCode: 3, signal: null, timedOut: false, output: ['migrating 1.2.3 8080', 'oops'] });
    expect(await stepContainers('step-1')).toEqual([]);
    // A step never reads as a revision of its deployment.
    expect(await provider.list('d-step-1')).toEqual([]);
  });

  test('a step past its deadline is killed, reported as timed out, and removed', async () => {
    const started = Date.now();
    const result = await provider.runOnce!(stepSpec('step-hang', "console.log('hanging'); setInterval(() => {}, 1000)"), {
      ...once,
      timeoutMs: 1_000,
    });
    expect(result).toMatchObject({ timedOut: true, output: ['hanging'] });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    expect(await stepContainers('step-hang')).toEqual([]);
  });

  test('a retry after a worker crash adopts the step its predecessor started instead of running it again', async () => {
    // Prints when it ran: a second run would print another time.
    const s = stepSpec('step-crash', "console.log('ran at', Date.now()); setTimeout(() => process.exit(5), 1500)");
    const outputOf = async (c: Docker.Container) => demuxLogFrames(await c.logs({ stdout: true, stderr: true, follow: false })).trim();

    // What a dead worker left: the step's container, started and still running.
    const running = await stack.docker.createContainer(releaseStepCreateOptions(s, stack.appImage));
    await running.start();
    const printed = await waitFor('its output', async () => /^ran at \d+$/.test(await outputOf(running)) && outputOf(running));
    expect(await newWorker().runOnce!(s, once)).toEqual({ exitCode: 5, signal: null, timedOut: false, output: [printed] });
    expect(await stepContainers('step-crash')).toEqual([]);

    // One that finished before the retry looked: read, not run again.
    const finished = await stack.docker.createContainer(releaseStepCreateOptions(s, stack.appImage));
    await finished.start();
    await finished.wait();
    const printedBefore = await outputOf(finished);
    expect(await newWorker().runOnce!(s, once)).toEqual({ exitCode: 5, signal: null, timedOut: false, output: [printedBefore] });
    expect(await stepContainers('step-crash')).toEqual([]);
  });
});

// Last, so it covers what every test above made the provider log (release steps included).
test('secrets and registry credentials never reach the log', () => {
  expect(logLines.length).toBeGreaterThan(0);
  const all = logLines.join('\n');
  expect(all).not.toContain(SECRET);
  expect(all).not.toContain(REGISTRY_PASSWORD);
});
