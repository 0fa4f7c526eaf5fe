import { z } from 'zod';

/** Manual promotion: the new revision is reachable at a preview host until a person promotes or aborts it. */

export const DEFAULT_PREVIEW_TIMEOUT_SECONDS = 24 * 3600;
/** A preview that nobody decides on for a month is forgotten, not awaited. */
export const MAX_PREVIEW_TIMEOUT_SECONDS = 30 * 24 * 3600;

/** Stored on the operation (strategy_options.preview); present means "promotion: manual". */
export const PreviewOptionsSchema = z
  .object({
    timeoutSeconds: z.number().int().min(1).max(MAX_PREVIEW_TIMEOUT_SECONDS).default(DEFAULT_PREVIEW_TIMEOUT_SECONDS),
  })
  .strict();
export type PreviewOptions = z.infer<typeof PreviewOptionsSchema>;

/** `d-abc.apps.example` → `d-abc--preview.apps.example`: same domain, so the same wildcard DNS and certificate cover it. */
export function previewHostname(hostname: string): string {
  const dot = hostname.indexOf('.');
  return dot === -1 ? `${hostname}--preview` : `${hostname.slice(0, dot)}--preview${hostname.slice(dot)}`;
}

/** The preview is a route of its own at the router, so its counters never mix with the live host's. */
export function previewRouteId(deploymentId: string): string {
  return `${deploymentId}--preview`;
}
