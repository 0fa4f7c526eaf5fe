import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { createArtifactStore } from '../../compute/local/artifactStore';
import { ID_RANGE } from '../../compute/local/appUsers';
import { createLocalComputeProvider } from '../../compute/local/localProvider';
import { RevisionStartError, type ComputeProvider, type RevisionSpec } from '../../ports/compute';

/**
 * A hostile app under the real local provider, with real processes and real users: it
 * tries every read issue 9 names, and each one must fail with a permission error.
 */
const REPO = path.resolve(__dirname, '../..');
const logger = pino({ level: 'silent' });
const PERMISSION_ERRORS = ['EACCES', 'EPERM'];

let tmp: string;
let dataDir: string;
let stateDir: string;
let provider: ComputeProvider;
let helloDir: string;
let probeDir: string;
const keys: string[] = [];

beforeAll(async () => {
  expect(process.getuid?.()).toBe(0); // the provider switches users only as root, and these tests are about that
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'slipway-isolation-'));
  dataDir = path.join(tmp, 'data');
  // A data directory as `npm start` lays it out: passable, not listable.
  await fs.chmod(tmp, 0o711);
  await fs.mkdir(dataDir, { mode: 0o711 });
  await fs.writeFile(path.join(dataDir, 'admin-token'), 'slw_adm_secret\n', { mode: 0o600 });
  stateDir = path.join(dataDir, 'compute');
  const store = createArtifactStore(path.join(dataDir, 'artifacts'), { sourceRoots: [REPO] });
  helloDir = (await store.put(path.join(REPO, 'examples/hello-app'))).dir;
  probeDir = (await store.put(path.join(REPO, 'tests/fixtures/isolation-probe'))).dir;
  provider = createLocalComputeProvider({ stateDir, logger });
});

afterAll(async () => {
  for (const key of keys) await provider.stop(key, { graceMs: 500 }).catch(() => undefined);
  await fs.rm(tmp, { recursive: true, force: true });
});

async function start(spec: RevisionSpec) {
  keys.push(spec.key);
  const running = await provider.start(spec);
  const deadline = Date.now() + 20_000;
  for (;;) {
    const ok = await fetch(`http://127.0.0.1:${running.endpoint.port}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return running;
    if (Date.now() > deadline) throw new Error(`${spec.key} never answered; log:\n${(await provider.tailLogs(spec.key, 20)).join('\n')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const uidOf = async (pid: number) => Number(/^Uid:\s+(\d+)/m.exec(await fs.readFile(`/proc/${pid}/status`, 'utf8'))![1]);

describe('local provider isolation (issue 9.1)', () => {
  it("runs each deployment as its own unprivileged user that cannot read Slipway's or another tenant's data", async () => {
    const victim = await start({
      key: 'victim-1',
      deploymentId: 'd-victim',
      tenantId: 't-test',
      service: 'web',
      program: { kind: 'artifact', artifactDir: helloDir, command: ['node', 'server.js'] },
      env: { GREETING: 'hi', SESSION_SECRET: 'victim-secret-value' },
      portEnv: 'PORT',
    });
    const targets = [
      dataDir,
      path.join(dataDir, 'admin-token'),
      stateDir,
      path.join(stateDir, 'victim-1.json'),
      path.join(stateDir, 'victim-1.log'),
      `/proc/${victim.pid}/environ`,
      `/proc/${process.pid}/environ`,
      helloDir, // another release's artifact
      path.join(helloDir, 'server.js'),
    ];
    const attacker = await start({
      key: 'attacker-1',
      deploymentId: 'd-attacker',
      tenantId: 't-test',
      service: 'web',
      program: { kind: 'artifact', artifactDir: probeDir, command: ['node', 'probe.js'] },
      env: { PROBE_TARGETS: JSON.stringify(targets) },
      portEnv: 'PORT',
    });

    const report = (await (await fetch(`http://127.0.0.1:${attacker.endpoint.port}/report`)).json()) as {
      uid: number;
      groups: number[];
      results: Record<string, string>;
    };
    expect(report.uid).toBeGreaterThanOrEqual(ID_RANGE.min);
    expect(report.groups.filter((g) => g === 0)).toEqual([]); // root's supplementary groups are dropped
    for (const target of targets) expect([target, PERMISSION_ERRORS.includes(report.results[target])]).toEqual([target, true]);
    expect(report.results.ownHome).toBe('ok');
    expect(report.results.ownArtifact).toBe('ok');

    const [victimUid, attackerUid] = [await uidOf(victim.pid), await uidOf(attacker.pid)];
    expect(victimUid).not.toBe(attackerUid);
    expect(victimUid).toBeGreaterThanOrEqual(ID_RANGE.min);
    expect(attackerUid).toBe(report.uid);
  });

  it('keeps output logs and state files at 0600 and hands artifacts to their group only', async () => {
    for (const file of ['victim-1.log', 'victim-1.json']) {
      expect([file, (await fs.stat(path.join(stateDir, file))).mode & 0o777]).toEqual([file, 0o600]);
    }
    expect((await fs.stat(stateDir)).mode & 0o777).toBe(0o700);
    const artifact = await fs.stat(probeDir);
    expect(artifact.mode & 0o007).toBe(0);
    expect(artifact.gid).toBeGreaterThanOrEqual(ID_RANGE.min);
  });

  it('lets a new worker adopt the processes it finds in the state files', async () => {
    const before = await provider.status('attacker-1');
    const newWorker = createLocalComputeProvider({ stateDir, logger });
    expect(before).not.toBeNull();
    expect(await newWorker.status('attacker-1')).toEqual(before);
    expect(
      await newWorker.start({
        key: 'attacker-1',
        deploymentId: 'd-attacker',
        tenantId: 't-test',
        service: 'web',
        program: { kind: 'artifact', artifactDir: probeDir, command: ['node', 'probe.js'] },
        env: {},
        portEnv: 'PORT',
      }),
    ).toEqual(before);
  });

  it.each([
    ['a missing program', ['./no-such-program'], /was not found.*ENOENT/],
    ['a program that is not executable', ['./probe.js'], /not executable.*EACCES/],
  ])('refuses %s at once with a RevisionStartError', async (_what, command, message) => {
    const err = await provider
      .start({
        key: `bad-${command[0].slice(2)}`,
        deploymentId: 'd-bad',
        tenantId: 't-test',
        service: 'web',
        program: { kind: 'artifact', artifactDir: probeDir, command },
        env: {},
        portEnv: 'PORT',
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RevisionStartError);
    expect((err as Error).message).toMatch(message);
  });
});
