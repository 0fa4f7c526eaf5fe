import { randomBytes } from 'node:crypto';
import type { z } from 'zod';
import type { ApiApp } from '../app';
import { findAppBySlug, latestActiveRelease } from '../../db/queries/apps';
import { autoDeployDeployments } from '../../db/queries/autoUpdate';
import { recordWebhookDelivery, setAppWebhookSecret } from '../../db/queries/webhooks';
import type { Deployment, Release } from '../../db/schema';
import { ManifestSchema } from '../../domain/manifest';
import { requireAdmin } from '../auth';
import type { ApiContext } from '../context';
import { ApiError, badRequest, notFound } from '../errors';
import { registerJsonBody } from '../jsonBody';
import { startLifecycle } from '../lifecycleStart';
import { presentRelease } from '../presenters';
import { publishRelease } from '../releasePublisher';
import { PushAccepted, WebhookSecretSet } from '../responseSchemas';
import { routeSchema } from '../routeSchema';
import { AppParams, PushBody, WebhookSecretBody } from '../schemas';
import { appWebhookSecretContext, replayed, SIGNATURE_HEADER, verifyPush } from '../webhookPush';

/** The push route is the only one without a bearer token: its signature is its authentication. */
export const PUSH_PATH = /^\/api\/apps\/[^/?]+\/webhooks\/push$/;

export function webhookRoutes(app: ApiApp, ctx: ApiContext): void {
  const secret = routeSchema({
    summary: "Set or rotate the app's push-webhook secret (shown once; the old one stops working at once)",
    access: 'admin',
    params: AppParams,
    body: WebhookSecretBody,
    responses: { 201: { description: 'the secret, shown this once', schema: WebhookSecretSet } },
  });
  app.post('/api/apps/:slug/webhook-secret', { schema: secret, config: { idempotencyRedact: ['secret'] } }, async (req, reply) => {
    requireAdmin(req);
    const found = await findAppBySlug(ctx.db, req.params.slug);
    if (!found) throw notFound(`app ${req.params.slug}`);
    const value = req.body?.secret ?? randomBytes(32).toString('base64url');
    await setAppWebhookSecret(ctx.db, found.id, ctx.secrets.seal(value, appWebhookSecretContext(found.id)));
    return reply
      .status(201)
      .send({ app: found.slug, secret: value, header: `${SIGNATURE_HEADER}: sha256=<hex HMAC-SHA256 of the raw body>` });
  });

  // Own scope: only this route keeps the raw bytes, which the signature is computed over.
  void app.register(async (scoped: ApiApp) => {
    registerJsonBody(scoped, { keepRaw: true });
    const push = routeSchema({
      summary: 'Push to deploy: a signed push creates the release, then upgrades every autoDeploy deployment (trigger webhook)',
      access: 'public',
      params: AppParams,
      body: PushBody,
      responses: {
        202: { description: 'the release, and the upgrade started (or why not) per autoDeploy deployment', schema: PushAccepted },
        401: { description: `bad_signature: ${SIGNATURE_HEADER} missing or wrong (nothing is created)` },
        409: { description: 'delivery_replayed (the delivery id was seen) or release_exists' },
      },
    });
    scoped.post(
      '/api/apps/:slug/webhooks/push',
      {
        schema: push,
        preValidation: async (req) => {
          const { slug } = req.params as { slug: string };
          req.push = await verifyPush(ctx, req, slug);
        },
      },
      async (req, reply) => {
        const { app: target, deliveryId } = req.push!;
        const body = req.body as z.output<typeof PushBody>;
        const manifest = body.manifest ?? (await latestActiveRelease(ctx.db, target.id))?.manifest;
        if (!manifest)
          throw badRequest(`${target.slug} has no release yet to take a manifest from; send one`, [
            { field: 'body.manifest', message: 'required for the first release' },
          ]);
        const release = await publishRelease(
          ctx,
          target,
          { version: body.version, manifest: ManifestSchema.parse(manifest), artifact: body.artifact, image: body.image },
          async (trx, r) => {
            if (!(await recordWebhookDelivery(trx, { appId: target.id, deliveryId, releaseVersion: r.version })))
              throw replayed(deliveryId);
          },
        );
        const deployments = await Promise.all(
          (await autoDeployDeployments(ctx.db, target.id)).map((d) => upgradeOnPush(ctx, d, release, deliveryId)),
        );
        return reply.status(202).send({ release: presentRelease(release), deployments });
      },
    );
  });
}

/** One autoDeploy deployment: the shared lifecycle checks decide; a refusal is reported, not thrown. */
async function upgradeOnPush(ctx: ApiContext, d: Deployment, release: Release, deliveryId: string) {
  try {
    const { operation } = await startLifecycle(
      ctx,
      { actor: `webhook:${deliveryId}`, trigger: 'webhook', ids: undefined },
      d,
      'upgrade',
      async () => ({
        kind: 'upgrade',
        toVersion: release.version,
      }),
    );
    return { id: d.id, operationId: operation.id, skipped: null };
  } catch (err) {
    if (err instanceof ApiError && err.statusCode < 500) return { id: d.id, operationId: null, skipped: `${err.code}: ${err.message}` };
    throw err;
  }
}

declare module 'fastify' {
  interface FastifyRequest {
    push?: { app: import('../../db/schema').App; deliveryId: string };
  }
}
