import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { ensureContainerIsolation, ISOLATION_COMMENT, removeContainerIsolation } from '../../src/bootstrap/engineFirewall';
import { ensurePodmanPackages } from '../../src/bootstrap/podmanPackages';

const run = promisify(execFile);

/** The container isolation rules against the host's real iptables (mangle table), under owners of this test alone. */
describe('engine firewall rules', () => {
  const a = `test-${randomBytes(4).toString('hex')}`;
  const b = `test-${randomBytes(4).toString('hex')}`;
  const rulesOf = async (owner: string) =>
    (await run('iptables-save', ['-t', 'mangle'])).stdout.split('\n').filter((l) => l.includes(`${ISOLATION_COMMENT} ${owner}`));

  beforeAll(async () => {
    await ensurePodmanPackages();
  }, 300_000);
  afterAll(async () => {
    await removeContainerIsolation(a);
    await removeContainerIsolation(b);
  });

  it('adds each owner its two tagged rules once, and removes exactly that owner’s', async () => {
    await ensureContainerIsolation(a);
    await ensureContainerIsolation(a);
    expect(await rulesOf(a)).toEqual([
      expect.stringMatching(/^-A INPUT -i cni-podman0 .*--ctstate NEW .*-j DROP$/),
      expect.stringMatching(/^-A FORWARD -i cni-podman0 -o cni-podman0 .*-j DROP$/),
    ]);
    await ensureContainerIsolation(b);
    await removeContainerIsolation(a);
    expect(await rulesOf(a)).toEqual([]);
    // Another engine's rules keep guarding its containers.
    expect(await rulesOf(b)).toHaveLength(2);
    await removeContainerIsolation(b);
    await removeContainerIsolation(b);
    expect(await rulesOf(b)).toEqual([]);
  });
});
