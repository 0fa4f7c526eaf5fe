import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { artifactGroupName, createAppUsers, DEFAULT_ACCOUNTS_LOCK_FILE } from '../../compute/local/appUsers';
import { createArtifactStore } from '../../compute/local/artifactStore';

/**
 * Real useradd/groupadd as root. Many first deploys of one release at once used to race:
 * concurrent `groupadd` of the artifact's group all "succeeded" and each replaced the
 * entry with its own gid, so the artifact ended up owned by one gid while processes ran
 * with another and could not read server.js.
 */
const REPO = path.resolve(__dirname, '../..');
const run = promisify(execFile);
const CONCURRENT = 20;

let tmp: string;
let artifactDir: string;

beforeAll(async () => {
  expect(process.getuid?.()).toBe(0); // creating users needs root, and the race is about real /etc/group
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'slipway-appusers-'));
  await fs.chmod(tmp, 0o711);
  const store = createArtifactStore(path.join(tmp, 'artifacts'), { sourceRoots: [REPO] });
  artifactDir = (await store.put(path.join(REPO, 'examples/hello-app'))).dir;
});

afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

const groupId = async (name: string) => Number((await run('getent', ['group', name])).stdout.split(':')[2]);

describe('app users', () => {
  it('gives every one of many concurrent first deployments of one artifact the same, final group', async () => {
    // Two providers (two workers on one host) share the host's /etc/group and the lock.
    const users = [
      createAppUsers(path.join(tmp, 'homes'), path.join(tmp, 'artifacts')),
      createAppUsers(path.join(tmp, 'homes'), path.join(tmp, 'artifacts')),
    ];
    const tag = path.basename(tmp);
    const identities = await Promise.all(
      Array.from({ length: CONCURRENT }, (_, i) => users[i % 2].identityFor(`d-${tag}-${i}`, artifactDir)),
    );

    const gid = await groupId(artifactGroupName(artifactDir));
    expect(new Set(identities.map((id) => id.gid))).toEqual(new Set([gid]));
    expect(new Set(identities.map((id) => id.uid)).size).toBe(CONCURRENT);
    for (const file of ['', 'server.js']) {
      const stat = await fs.stat(path.join(artifactDir, file));
      expect([file, stat.gid, stat.mode & 0o050]).toEqual([file, gid, file ? 0o040 : 0o050]);
    }
    for (const id of identities) {
      const uid = Number((await run('id', ['-u', id.user])).stdout.trim());
      expect([id.user, (await fs.stat(id.home)).uid]).toEqual([id.user, uid]);
    }
  });

  it('keeps its lock where no app user can open it (an app holding it would stall every first deploy)', async () => {
    await createAppUsers(path.join(tmp, 'homes'), path.join(tmp, 'artifacts')).identityFor(`d-${path.basename(tmp)}-lock`, artifactDir);
    const lock = await fs.stat(DEFAULT_ACCOUNTS_LOCK_FILE);
    const folder = await fs.stat(path.dirname(DEFAULT_ACCOUNTS_LOCK_FILE));
    expect([lock.uid, lock.mode & 0o777]).toEqual([0, 0o600]);
    expect([folder.uid, folder.mode & 0o022]).toEqual([0, 0]);
  });
});
