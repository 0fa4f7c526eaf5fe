import { liveRevisions } from '../../db/queries/revisions';
import { previewRouteId } from '../../domain/preview';
import { eventually } from '../helpers/apiClient';
import { answer, deployHello, helloRelease, waitForOperation } from '../helpers/hello';
import { useHelloStack } from '../helpers/helloStack';
import { ROUTERS } from '../helpers/trafficRouters';

/** Manual promotion through the API on the real stack, traffic through the router, on each router. */
describe.each(ROUTERS)('preview before the switch (promotion: manual) (%s router)', (router) => {
  const h = useHelloStack(() => [helloRelease(1), helloRelease(2)], { router });

  const live = async (id: string) => (await liveRevisions(h.s.db, id)).map((r) => `${r.release_version}:${r.status}`).sort();
  const show = async (id: string) => (await h.tenant('GET', `/api/deployments/${id}`)).body;

  /** Starts a manual upgrade to 2.0.0 and waits until it awaits promotion; answers the operation id and the deployment as shown. */
  async function startPreview(id: string, extra: Record<string, unknown> = {}) {
    const started = await h.tenant('POST', `/api/deployments/${id}/upgrade`, { version: '2.0.0', promotion: 'manual', ...extra });
    expect(started.status).toBe(202);
    const shown = await eventually('awaiting_promotion', async () => {
      const d = await show(id);
      return d.status === 'awaiting_promotion' ? d : undefined;
    });
    return { opId: started.body.operation.id as string, shown };
  }

  it('serves the new revision at the preview host only, refuses other operations, then switches on promote', async () => {
    const d = await deployHello(h.tenant, { version: '1.0.0', name: 'preview-promote', env: { GREETING: 'p' } });
    const { opId, shown } = await startPreview(d.id);
    const previewHost = `${d.id}--preview.${d.hostname.slice(d.hostname.indexOf('.') + 1)}`;
    expect(shown.preview).toEqual({
      hostname: previewHost,
      url: expect.stringContaining(`http://${previewHost}:`),
      expiresAt: expect.any(String),
    });
    // Default timeout: 24 h from now.
    const hoursLeft = (new Date(shown.preview.expiresAt).getTime() - Date.now()) / 3_600_000;
    expect(hoursLeft).toBeGreaterThan(23.9);
    expect(hoursLeft).toBeLessThanOrEqual(24);

    expect((await answer(h.s, previewHost)).json.version).toBe('2.0.0');
    expect((await answer(h.s, d.hostname)).json.version).toBe('1.0.0');
    // The preview's requests are counted on its own route, not the live one's.
    const previewStats = await h.s.router.stats(previewRouteId(d.id));
    expect(previewStats?.upstreams.reduce((n, u) => n + u.requests, 0)).toBe(1);
    const liveStats = await h.s.router.stats(d.id);
    expect(liveStats?.upstreams.every((u) => !u.key.includes('2.0.0'))).toBe(true);

    const refused = await h.tenant('POST', `/api/deployments/${d.id}/restart`, {});
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'awaiting_promotion', operationId: opId });
    expect(refused.body.message).toMatch(new RegExp(`awaiting promotion of 2\\.0\\.0 \\(upgrade ${opId}\\)`));
    expect((await h.tenant('PUT', `/api/deployments/${d.id}/env`, { env: { GREETING: 'x' } })).body.code).toBe('awaiting_promotion');

    const promoted = await h.tenant('POST', `/api/deployments/${d.id}/promote`, {});
    expect(promoted.status).toBe(202);
    expect(promoted.body).toMatchObject({ operation: { id: opId }, signal: 'promotePreview' });
    const op = await waitForOperation(h.tenant, opId);
    expect(op.status).toBe('succeeded');
    expect((await answer(h.s, d.hostname)).json.version).toBe('2.0.0');
    expect((await answer(h.s, previewHost)).status).toBe(404);
    expect(await show(d.id)).toMatchObject({ status: 'running', servingVersion: '2.0.0', previousVersion: '1.0.0', preview: null });
    expect(await live(d.id)).toEqual(['1.0.0:warm', '2.0.0:serving']);
    const logs = (await h.tenant('GET', `/api/operations/${opId}/logs`)).body.logs.map((l: { message: string }) => l.message).join('\n');
    expect(logs).toMatch(/promoted by tenant:tenant-acme: switching traffic/);
    expect((await h.tenant('POST', `/api/deployments/${d.id}/promote`, {})).body.code).toBe('not_awaiting_promotion');
  });

  it('abort stops the preview; the old version serves on and the deployment reads running', async () => {
    const d = await deployHello(h.tenant, { version: '1.0.0', name: 'preview-abort', env: { GREETING: 'a' } });
    const { opId, shown } = await startPreview(d.id);
    expect((await answer(h.s, shown.preview.hostname)).json.version).toBe('2.0.0');
    expect((await h.tenant('POST', `/api/deployments/${d.id}/abort`, {})).status).toBe(202);
    const op = await waitForOperation(h.tenant, opId);
    expect(op).toMatchObject({ status: 'cancelled', error: { type: 'PreviewAborted', message: 'preview aborted by tenant:tenant-acme' } });
    expect(await show(d.id)).toMatchObject({ status: 'running', servingVersion: '1.0.0', lastError: null, preview: null });
    expect((await answer(h.s, d.hostname)).json.version).toBe('1.0.0');
    expect((await answer(h.s, shown.preview.hostname)).status).toBe(404);
    expect(await live(d.id)).toEqual(['1.0.0:serving']);
  });

  it('checks the preview is still ready before a promotion switches to it', async () => {
    const d = await deployHello(h.tenant, { version: '1.0.0', name: 'preview-died', env: { GREETING: 'x' } });
    const { opId } = await startPreview(d.id);
    const preview = (await liveRevisions(h.s.db, d.id)).find((r) => r.release_version === '2.0.0')!;
    // The preview's process dies while it waits (an app crash, a machine restart).
    await h.s.compute.stop(preview.key, { graceMs: 0 });
    expect((await h.tenant('POST', `/api/deployments/${d.id}/promote`, {})).status).toBe(202);
    const op = await waitForOperation(h.tenant, opId);
    expect(op).toMatchObject({ status: 'failed', error: { type: 'RevisionCrashed' } });
    expect((await answer(h.s, d.hostname)).json.version).toBe('1.0.0');
    expect(await show(d.id)).toMatchObject({ servingVersion: '1.0.0', status: 'failed', preview: null });
    expect(await live(d.id)).toEqual(['1.0.0:serving']);
  });

  it('aborts by itself at previewTimeoutSeconds', async () => {
    const d = await deployHello(h.tenant, { version: '1.0.0', name: 'preview-timeout', env: { GREETING: 't' } });
    const { opId, shown } = await startPreview(d.id, { previewTimeoutSeconds: 2 });
    expect(new Date(shown.preview.expiresAt).getTime() - Date.now()).toBeLessThanOrEqual(2_000);
    const op = await waitForOperation(h.tenant, opId);
    expect(op).toMatchObject({
      status: 'cancelled',
      error: { type: 'PreviewAborted', message: 'preview not promoted within 2 s: aborted' },
    });
    expect((await answer(h.s, d.hostname)).json.version).toBe('1.0.0');
    expect(await live(d.id)).toEqual(['1.0.0:serving']);
  });

  it('refuses bad promotion input by field', async () => {
    const d = await deployHello(h.tenant, { version: '1.0.0', name: 'preview-bad', env: { GREETING: 'b' } });
    const cases: [Record<string, unknown>, string][] = [
      [{ promotion: 'later' }, 'body.promotion'],
      [{ previewTimeoutSeconds: 60 }, 'body.previewTimeoutSeconds'],
      [{ promotion: 'manual', previewTimeoutSeconds: 0 }, 'body.previewTimeoutSeconds'],
      [{ promotion: 'manual', strategy: 'canary' }, 'body.promotion'],
    ];
    for (const [body, field] of cases) {
      const r = await h.tenant('POST', `/api/deployments/${d.id}/upgrade`, { version: '2.0.0', ...body });
      expect(r.status).toBe(400);
      expect(r.body.fields.map((f: { field: string }) => f.field)).toContain(field);
    }
    expect((await h.tenant('POST', `/api/deployments/${d.id}/abort`, {})).body.code).toBe('not_awaiting_promotion');
  });
});
