import { DistributionRegistry } from '../images/distributionRegistry';
import type { ImageRegistry } from '../ports/imageRegistry';
import type { Config } from './config';

/** The registry the API resolves tags with and the worker checks before a rollback; none when unconfigured. */
export function createImageRegistry(config: Config): ImageRegistry | undefined {
  const url = config.registry?.url;
  if (!url) return undefined;
  return new DistributionRegistry({ url, credentials: config.registry?.credentials });
}
