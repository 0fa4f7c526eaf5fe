import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { cachedWorkflowBundle } from '../../src/bootstrap/workflowBundle';
import { workflowsPath } from '../../src/worker';

describe('cachedWorkflowBundle', () => {
  let cacheDir: string;
  beforeAll(async () => {
    cacheDir = await fs.mkdtemp(path.join(os.tmpdir(), 'slipway-bundle-'));
  });
  afterAll(async () => {
    await fs.rm(cacheDir, { recursive: true, force: true });
  });

  it('bundles the workflows once per content of the code and hands the same file to the next start', async () => {
    const logger = pino({ level: 'silent' });
    const first = await cachedWorkflowBundle({ cacheDir, workflowsPath: workflowsPath(), logger });
    const code = await fs.readFile(first.codePath, 'utf8');
    expect(code).toContain('deployWorkflow');
    expect(code).toContain('massUpgradeWorkflow');
    const built = (await fs.stat(first.codePath)).mtimeMs;

    const again = await cachedWorkflowBundle({ cacheDir, workflowsPath: workflowsPath(), logger });
    expect(again.codePath).toBe(first.codePath);
    expect((await fs.stat(again.codePath)).mtimeMs).toBe(built);
    expect((await fs.readdir(path.join(cacheDir, 'workflow-bundles'))).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });
});
