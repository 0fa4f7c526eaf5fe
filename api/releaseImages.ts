import type { Manifest } from '../domain/manifest';
import { ImageNotFoundError, InvalidImageReferenceError, type ImageRegistry } from '../ports/imageRegistry';
import { ApiError, badRequest, unavailable } from './errors';

/**
 * Pins every image of a manifest to the digest its tag names now, so a release never changes
 * when the tag moves later. `changed` limits it to some services (a bump); `field` names where
 * each reference came from in the request, for the 400.
 */
export async function pinImages(
  registry: ImageRegistry | undefined,
  manifest: Manifest,
  field: (serviceIndex: number, serviceName: string) => string,
  only?: Set<string>,
): Promise<Manifest> {
  const services = await Promise.all(
    manifest.services.map(async (service, i) => {
      if (!service.image || (only && !only.has(service.name))) return service;
      if (!registry) {
        throw badRequest(`${field(i, service.name)}: this Slipway has no image registry; set SLIPWAY_REGISTRY`, [
          { field: field(i, service.name), message: 'no image registry is configured (SLIPWAY_REGISTRY)' },
        ]);
      }
      const resolved = await registry.resolve(service.image).catch((err: unknown) => {
        throw asApiError(err, field(i, service.name));
      });
      return { ...service, image: resolved.digestRef };
    }),
  );
  return { ...manifest, services };
}

function asApiError(err: unknown, field: string): ApiError {
  if (err instanceof InvalidImageReferenceError || err instanceof ImageNotFoundError) {
    return badRequest(`${field}: ${err.message}`, [{ field, message: err.message }]);
  }
  // Unreachable or failing registry: the request was fine, try again later.
  return unavailable(`the image registry could not be asked: ${err instanceof Error ? err.message : String(err)}`);
}
