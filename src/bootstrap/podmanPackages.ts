import { aptInstallHint, ensureAptPackages } from './aptPackages';

/** What SLIPWAY_COMPUTE=docker needs on the host when Slipway starts the engine itself. */
export const PODMAN_PACKAGES = ['podman', 'runc', 'catatonit', 'iptables'] as const;
export const PODMAN_INSTALL_HINT = aptInstallHint(PODMAN_PACKAGES);

export class PodmanMissingError extends Error {
  override readonly name = 'PodmanMissingError';
}

/** Installs the packages with apt-get when root on Debian; otherwise says exactly what to install. */
export async function ensurePodmanPackages(): Promise<void> {
  await ensureAptPackages({
    packages: PODMAN_PACKAGES,
    // catatonit serves HostConfig.Init and lives outside PATH on Debian.
    binaries: ['podman', 'runc', 'catatonit', 'iptables'],
    extraDirs: { catatonit: ['/usr/libexec/podman'] },
    error: PodmanMissingError,
  });
}
