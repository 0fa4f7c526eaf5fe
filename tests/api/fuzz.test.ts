import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { helloRelease } from '../helpers/hello';
import { apiClient } from '../helpers/apiClient';
import { ensureSchemathesis } from '../helpers/schemathesis';
import { startSlipwayStack, type SlipwayStack } from '../helpers/slipwayStack';

/** Small on purpose: a few minutes at most on a 2-core machine, every operation still reached. */
const MAX_EXAMPLES = 5;
const MAX_SECONDS = 75;

interface Run {
  code: number | null;
  output: string;
}

function schemathesis(st: string, args: string[], cwd: string): Promise<Run> {
  return new Promise((resolve) => {
    // cwd: schemathesis keeps a .schemathesis cache in its working directory.
    execFile(st, args, { cwd, timeout: (MAX_SECONDS + 60) * 1000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: number }).code ?? 1) : 0;
      resolve({ code: typeof code === 'number' ? code : 1, output: `${stdout}\n${stderr}` });
    });
  });
}

/**
 * Schema-driven fuzzing (schemathesis) of the real API, as a tenant and as an admin: any 5xx,
 * or an answer whose status, content type or body the OpenAPI document does not describe,
 * fails the test run.
 */
describe('schemathesis against /docs/json', () => {
  let s: SlipwayStack;
  let st: string;

  beforeAll(async () => {
    st = await ensureSchemathesis();
    s = await startSlipwayStack();
    const admin = apiClient(s.apiUrl, s.adminToken);
    await admin('POST', '/api/apps', { slug: 'hello' });
    await admin('POST', '/api/apps/hello/releases', helloRelease(1));
  }, 900_000);
  afterAll(async () => {
    await s?.close();
  });

  it.each([
    ['a tenant token', async () => s.tenantToken('acme')],
    ['the admin token', async () => s.adminToken],
  ])(
    'finds no 5xx and no answer outside the document with %s',
    async (_who, token) => {
      const reports = mkdtempSync(path.join(os.tmpdir(), 'slipway-fuzz-'));
      const r = await schemathesis(
        st,
        [
          'run',
          `${s.apiUrl}/docs/json`,
          '--header',
          `Authorization: Bearer ${await token()}`,
          '--checks',
          'not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance',
          '--phases',
          'examples,fuzzing',
          '--max-examples',
          String(MAX_EXAMPLES),
          '--max-time',
          String(MAX_SECONDS),
          '--workers',
          '1',
          '--seed',
          '1',
          '--report-dir',
          reports,
          // An endless stream by design (the dashboard's live list): no answer would ever end.
          // tests/api/deploymentEvents.test.ts covers it.
          '--exclude-path',
          '/api/events/deployments',
        ],
        reports,
      );
      if (r.code !== 0) throw new Error(`schemathesis found problems (exit ${r.code}):\n${r.output.slice(-20_000)}`);
      expect(r.output).toMatch(/passed/i);
    },
    600_000,
  );
});
