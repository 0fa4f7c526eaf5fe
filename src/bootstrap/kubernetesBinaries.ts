import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../logger';
import { findOnPath, isChecksumDbError, isExecutable, runStreaming, withBuildLock, type RunResult } from './buildTools';
import { defaultCacheDir } from './temporalCli';

/**
 * etcd and the Kubernetes components, built once from Go modules into the cache
 * (KUBERNETES.md §2). No registry ships these binaries, and k8s.io/kubernetes cannot be
 * `go install`ed (its go.mod replaces the staging modules with ./staging paths), so a small
 * local module requires it and maps each staging module to its published v0.34.2 instead.
 */
export const KUBERNETES_VERSION = 'v1.34.2';
export const KWOK_VERSION = 'v0.7.0';
const STAGING_VERSION = 'v0.34.2';
/** The etcd that k8s.io/kubernetes v1.34.2's go.mod pins (upstream tests 3.6.5; 3.6.4 passed here). */
const ETCD_PACKAGE = 'go.etcd.io/etcd/server/v3';

const COMPONENTS = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubelet', 'kube-proxy'] as const;
export type KubernetesBinaryName = 'etcd' | 'kwok' | (typeof COMPONENTS)[number];
export type KubernetesBinaries = Record<KubernetesBinaryName, string>;

const FIX = [
  'To fix, do one of:',
  '  - install Go >= 1.24 from the official tarball into /usr/local/go, put /usr/local/go/bin on PATH and rerun;',
  '    Slipway builds etcd, the Kubernetes components and kwok once (about 12-15 minutes on 2 cores, 3 GB of Go cache);',
  `  - or put prebuilt ${KUBERNETES_VERSION} binaries (etcd, ${COMPONENTS.join(', ')}, kwok) into the directory named above.`,
].join('\n');

export class KubernetesUnavailableError extends Error {
  override name = 'KubernetesUnavailableError';
}

export interface EnsureKubernetesOptions {
  logger: Logger;
  /** Defaults to `${XDG_CACHE_HOME:-~/.cache}/slipway`. */
  cacheDir?: string;
  env?: NodeJS.ProcessEnv;
}

export function kubernetesBinaryDir(cacheDir: string): string {
  return path.join(cacheDir, `kubernetes-${KUBERNETES_VERSION}`);
}

export async function ensureKubernetesBinaries(options: EnsureKubernetesOptions): Promise<KubernetesBinaries> {
  const { logger } = options;
  const env = options.env ?? process.env;
  const cacheDir = options.cacheDir ?? defaultCacheDir(env);
  const binDir = kubernetesBinaryDir(cacheDir);
  const names: KubernetesBinaryName[] = ['etcd', ...COMPONENTS, 'kwok'];
  const binaries = Object.fromEntries(names.map((n) => [n, path.join(binDir, n)])) as KubernetesBinaries;
  const present = async () => (await Promise.all(names.map((n) => isExecutable(binaries[n])))).every(Boolean);
  if (await present()) return binaries;

  await withBuildLock(`${cacheDir}/kubernetes.lock`, logger, async () => {
    if (await present()) return; // another process finished the build while we waited
    const go = await findOnPath('go', env);
    if (!go) {
      throw new KubernetesUnavailableError(
        `The kubernetes compute tests need Kubernetes ${KUBERNETES_VERSION}: nothing in ${binDir} and \`go\` is not on PATH to build it.\n${FIX}`,
      );
    }
    await build(go, binDir, env, logger);
  });
  return binaries;
}

/** Builds into a private directory and renames the whole directory into place, so readers never see half a set. */
async function build(go: string, binDir: string, env: NodeJS.ProcessEnv, logger: Logger): Promise<void> {
  const partial = `${binDir}.partial-${process.pid}`;
  const moduleDir = path.join(partial, 'module');
  const out = path.join(partial, 'bin');
  await fs.rm(partial, { recursive: true, force: true });
  await fs.mkdir(moduleDir, { recursive: true });
  await fs.mkdir(out, { recursive: true });
  logger.info(`Building etcd, Kubernetes ${KUBERNETES_VERSION} and kwok ${KWOK_VERSION} with go (once; this takes 12-15 minutes)…`);
  const started = Date.now();
  const goEnv = { ...env, CGO_ENABLED: '0', GOFLAGS: '-mod=mod', GOWORK: 'off' };
  const run = (step: string, args: string[], cwd = moduleDir) => runGo(go, args, { ...goEnv, PWD: cwd }, cwd, logger, step);
  try {
    await writeBuildModule(go, moduleDir, goEnv, logger);
    await run('go mod tidy', ['mod', 'tidy']);
    const ldflags = ['-s', '-w'];
    // Without these the components report v0.0.0-master, and kubectl's skew check and `/version` say so.
    for (const pkg of ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version']) {
      ldflags.push(
        `-X ${pkg}.gitVersion=${KUBERNETES_VERSION}`,
        `-X ${pkg}.gitMajor=1`,
        `-X ${pkg}.gitMinor=34`,
        `-X ${pkg}.gitTreeState=clean`,
      );
    }
    // One `go build` for all six: the packages they share are compiled once.
    await run('go build', [
      'build',
      '-trimpath',
      `-ldflags=${ldflags.join(' ')}`,
      '-o',
      `${out}/`,
      ETCD_PACKAGE,
      ...COMPONENTS.map((c) => `k8s.io/kubernetes/cmd/${c}`),
    ]);
    // etcd's main package is its module root, so go names the binary after the last path element.
    await fs.rename(path.join(out, 'server'), path.join(out, 'etcd'));
    // kwok v0.7.0 has no replace directives, so a plain `go install` works (v0.8.0 needs client-go 0.36).
    await runGo(
      go,
      ['install', '-trimpath', '-ldflags=-s -w', `sigs.k8s.io/kwok/cmd/kwok@${KWOK_VERSION}`],
      { ...goEnv, GOBIN: out },
      partial,
      logger,
      'go install kwok',
    );
    await fs.rm(binDir, { recursive: true, force: true });
    await fs.rename(out, binDir);
    logger.info({ seconds: Math.round((Date.now() - started) / 1000) }, 'built etcd, Kubernetes and kwok');
  } finally {
    await fs.rm(partial, { recursive: true, force: true });
  }
}

/**
 * go.mod of the build module: require k8s.io/kubernetes and copy its staging replaces, each
 * pointed at the published module of the same path instead of ./staging/src/….
 */
async function writeBuildModule(go: string, moduleDir: string, env: NodeJS.ProcessEnv, logger: Logger): Promise<void> {
  const download = await runGo(
    go,
    ['mod', 'download', '-json', `k8s.io/kubernetes@${KUBERNETES_VERSION}`],
    env,
    moduleDir,
    logger,
    'go mod download',
    true,
  );
  const info = JSON.parse(download.stdout) as { GoMod?: string };
  if (!info.GoMod) throw new KubernetesUnavailableError(`go mod download gave no go.mod for k8s.io/kubernetes@${KUBERNETES_VERSION}`);
  const upstream = await fs.readFile(info.GoMod, 'utf8');
  const staging = [...upstream.matchAll(/^\s*(k8s\.io\/[\w.-]+)\s+=>\s+\.\/staging\//gm)].map((m) => m[1]);
  if (staging.length === 0) throw new KubernetesUnavailableError(`no staging replaces found in ${info.GoMod}`);
  const goMod = [
    'module k8sbuild',
    '',
    'go 1.24.0',
    '',
    'godebug default=go1.24',
    '',
    `require k8s.io/kubernetes ${KUBERNETES_VERSION}`,
    '',
    'replace (',
    ...staging.map((m) => `\t${m} => ${m} ${STAGING_VERSION}`),
    ')',
    '',
  ].join('\n');
  const tools = [
    '//go:build tools',
    '',
    'package tools',
    '',
    'import (',
    ...COMPONENTS.map((c) => `\t_ "k8s.io/kubernetes/cmd/${c}/app"`),
    '\t_ "go.etcd.io/etcd/server/v3/etcdmain"',
    ')',
    '',
  ].join('\n');
  await fs.writeFile(path.join(moduleDir, 'go.mod'), goMod);
  await fs.writeFile(path.join(moduleDir, 'tools.go'), tools);
}

async function runGo(
  go: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
  logger: Logger,
  step: string,
  captureStdout = false,
): Promise<RunResult & { stdout: string }> {
  let result = await runStreaming(go, args, env, logger, 'go', { cwd, captureStdout });
  if (result.code !== 0 && isChecksumDbError(result.tail)) {
    logger.warn(`the Go checksum database is unreachable; retrying ${step} with GOSUMDB=off`);
    result = await runStreaming(go, args, { ...env, GOSUMDB: 'off' }, logger, 'go', { cwd, captureStdout });
  }
  if (result.code !== 0) {
    throw new KubernetesUnavailableError(
      `${step} failed (exit ${result.code}) while building Kubernetes. Last output:\n${result.tail.join('\n')}\n${FIX}`,
    );
  }
  return { ...result, stdout: result.stdout ?? '' };
}
