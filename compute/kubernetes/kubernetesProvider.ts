import type { Logger } from '../../ports/logger';
import { RevisionStartError, type ComputeProvider, type RevisionSpec, type RunningRevision, type StopOptions } from '../../ports/compute';
import { ApiException, AppsV1Api, CoreV1Api, PatchStrategy, setHeaderOptions, type KubeConfig, type V1Deployment } from './client';
import {
  ANNOTATIONS,
  APP_CONTAINER,
  LABELS,
  MANAGED_BY,
  labelValue,
  revisionLabel,
  revisionObjectName,
  revisionSecretName,
  selector,
} from './names';
import { containerPortOf, revisionDeployment, revisionSecret, revisionService } from './revisionObjects';
import { isAvailable, rolloutProblem } from './rolloutProblems';
import { ensureTenantNamespace, isStatus, tenantConfigCache } from './tenantNamespace';

/**
 * `SLIPWAY_COMPUTE=kubernetes`: a revision is a Deployment (one replica), a ClusterIP Service
 * and a Secret with its env, in its tenant's namespace. Everything is read back from the API
 * (labels and annotations carry the revision key), so a new worker adopts what runs and
 * keeps no state of its own.
 */
export interface KubernetesProviderOptions {
  /** Slipway's own identity: creates tenant namespaces and their RBAC, finds revisions by label. */
  kubeConfig: KubeConfig;
  logger: Logger;
  /**
   * How long start() watches the rollout for a failure it can name (quota, scheduling, image
   * pull, crash loop) before handing the endpoint to the readiness wait; it stays well inside
   * the 20 s start activity.
   */
  startWatchMs?: number;
  progressDeadlineSeconds?: number;
  imagePullPolicy?: 'IfNotPresent' | 'Always' | 'Never';
  /**
   * `service`: the revision's ClusterIP (reached through kube-proxy on a cluster node);
   * `pod`: the ready pod's IP (a router with a route into the pod network).
   */
  endpoint?: 'service' | 'pod';
  /** How long stop() waits for the pods to be gone, beyond the grace period. */
  stopWaitMs?: number;
}

export const KUBERNETES_DEFAULTS = {
  startWatchMs: 12_000,
  progressDeadlineSeconds: 120,
  imagePullPolicy: 'IfNotPresent',
  endpoint: 'service',
  stopWaitMs: 60_000,
  pollMs: 250,
} as const;

const MANAGED = { [MANAGED_BY.key]: MANAGED_BY.value };

export function createKubernetesComputeProvider(options: KubernetesProviderOptions): ComputeProvider {
  const admin = options.kubeConfig;
  const adminApps = admin.makeApiClient(AppsV1Api);
  const tenantConfig = tenantConfigCache(admin);
  const settings = { ...KUBERNETES_DEFAULTS, ...definedOnly(options) };
  const logger = options.logger;

  const appsFor = async (namespace: string) => (await tenantConfig(namespace)).makeApiClient(AppsV1Api);
  const coreFor = async (namespace: string) => (await tenantConfig(namespace)).makeApiClient(CoreV1Api);

  /** The one lookup across namespaces: a key names no tenant, so its Deployment is found by label. */
  async function find(key: string): Promise<V1Deployment | undefined> {
    const found = await adminApps.listDeploymentForAllNamespaces({
      labelSelector: selector({ ...MANAGED, [LABELS.revision]: revisionLabel(key) }),
    });
    return found.items.find((d) => d.metadata?.annotations?.[ANNOTATIONS.revisionKey] === key);
  }

  async function podsOf(namespace: string, key: string) {
    const core = await coreFor(namespace);
    return (await core.listNamespacedPod({ namespace, labelSelector: selector({ [LABELS.revision]: revisionLabel(key) }) })).items;
  }

  async function running(deployment: V1Deployment, key: string): Promise<RunningRevision> {
    const namespace = deployment.metadata!.namespace!;
    const port = Number(deployment.spec?.template.spec?.containers[0]?.ports?.[0]?.containerPort);
    let host: string | undefined;
    if (settings.endpoint === 'pod') {
      const ready = (await podsOf(namespace, key)).find((p) =>
        p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
      );
      host = ready?.status?.podIP;
    } else {
      const service = await (await coreFor(namespace)).readNamespacedService({ name: revisionObjectName(key), namespace });
      host = service.spec?.clusterIP;
    }
    return {
      key,
      endpoint: { host: host ?? '0.0.0.0', port },
      // No host process: 0 says so (the operation log prints it).
      pid: 0,
      startedAt: deployment.metadata?.annotations?.[ANNOTATIONS.startedAt] ?? new Date().toISOString(),
    };
  }

  async function create(spec: RevisionSpec, namespace: string, image: string): Promise<V1Deployment> {
    const startedAt = new Date().toISOString();
    const apps = await appsFor(namespace);
    const core = await coreFor(namespace);
    // The Secret first: a pod that names a missing Secret sits in CreateContainerConfigError.
    const secret = revisionSecret(spec, namespace, startedAt);
    try {
      await core.createNamespacedSecret({ namespace, body: secret });
    } catch (err) {
      if (!isStatus(err, 409)) throw err;
      await core.replaceNamespacedSecret({ name: secret.metadata!.name!, namespace, body: secret });
    }
    let deployment: V1Deployment;
    try {
      deployment = await apps.createNamespacedDeployment({
        namespace,
        body: revisionDeployment(spec, namespace, image, {
          progressDeadlineSeconds: settings.progressDeadlineSeconds,
          imagePullPolicy: settings.imagePullPolicy,
          startedAt,
        }),
      });
    } catch (err) {
      if (!isStatus(err, 409)) throw err;
      deployment = await apps.readNamespacedDeployment({ name: revisionObjectName(spec.key), namespace });
    }
    // Owned by the Deployment, so deleting it (or a crash before stop) never leaves the env behind.
    const owner = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: deployment.metadata!.name!,
      uid: deployment.metadata!.uid!,
      blockOwnerDeletion: false,
    };
    await core.patchNamespacedSecret(
      { name: secret.metadata!.name!, namespace, body: { metadata: { ownerReferences: [owner] } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    const service = revisionService(spec, namespace, startedAt);
    service.metadata!.ownerReferences = [owner];
    try {
      await core.createNamespacedService({ namespace, body: service });
    } catch (err) {
      if (!isStatus(err, 409)) throw err;
    }
    return deployment;
  }

  /** Waits for the first available replica or a named failure; after startWatchMs the readiness wait takes over. */
  async function watchRollout(namespace: string, key: string): Promise<V1Deployment> {
    const apps = await appsFor(namespace);
    const deadline = Date.now() + settings.startWatchMs;
    for (;;) {
      const deployment = await apps.readNamespacedDeployment({ name: revisionObjectName(key), namespace });
      if (isAvailable(deployment)) return deployment;
      const problem = rolloutProblem(deployment, await podsOf(namespace, key));
      if (problem) throw new RevisionStartError(`${namespace}/${deployment.metadata?.name}: ${problem}`);
      if (Date.now() > deadline) return deployment;
      await sleep(settings.pollMs);
    }
  }

  return {
    name: 'kubernetes',

    async start(spec) {
      if (spec.program.kind !== 'image') {
        throw new RevisionStartError(`the kubernetes provider runs images; ${spec.key} is an artifact release (publish it as an image)`);
      }
      if (!/@sha256:[0-9a-f]{64}$/.test(spec.program.image)) {
        throw new RevisionStartError(`image ${spec.program.image} is not pinned by digest (repository@sha256:…)`);
      }
      const existing = await find(spec.key);
      if (existing && !existing.metadata?.deletionTimestamp) return running(existing, spec.key);
      const namespace = await ensureTenantNamespace(admin, spec.tenantId);
      await create(spec, namespace, spec.program.image);
      logger.info({ key: spec.key, namespace, image: spec.program.image, port: containerPortOf(spec) }, 'revision deployment created');
      return running(await watchRollout(namespace, spec.key), spec.key);
    },

    /**
     * null once nothing will serve: gone, being deleted, or stuck (a named rollout problem). A
     * Deployment still coming up (a slow pull on a loaded node) answers with its endpoint, so the
     * readiness wait keeps probing instead of reporting a crash.
     */
    async status(key) {
      const deployment = await find(key);
      if (!deployment || deployment.metadata?.deletionTimestamp) return null;
      if (!isAvailable(deployment) && rolloutProblem(deployment, await podsOf(deployment.metadata!.namespace!, key))) return null;
      return running(deployment, key);
    },

    async stop(key, opts: StopOptions) {
      const deployment = await find(key);
      if (!deployment) return;
      const namespace = deployment.metadata!.namespace!;
      const name = deployment.metadata!.name!;
      const apps = await appsFor(namespace);
      const core = await coreFor(namespace);
      const gracePeriodSeconds = Math.ceil(opts.graceMs / 1000);
      try {
        // Foreground: the Deployment stays (with a deletionTimestamp) until its ReplicaSet and pods are gone.
        await apps.deleteNamespacedDeployment({ name, namespace, propagationPolicy: 'Foreground', gracePeriodSeconds });
      } catch (err) {
        if (!isStatus(err, 404)) throw err;
      }
      for (const remove of [
        () => core.deleteNamespacedService({ name, namespace }),
        () => core.deleteNamespacedSecret({ name: revisionSecretName(key), namespace }),
      ]) {
        await remove().catch((err: unknown) => {
          if (!isStatus(err, 404)) throw err;
        });
      }
      const deadline = Date.now() + opts.graceMs + settings.stopWaitMs;
      for (;;) {
        const left = (await podsOf(namespace, key)).length;
        const stillThere = await apps.readNamespacedDeployment({ name, namespace }).then(
          () => true,
          (err: unknown) => (isStatus(err, 404) ? false : Promise.reject(err)),
        );
        if (left === 0 && !stillThere) return;
        if (Date.now() > deadline)
          throw new Error(`${namespace}/${name}: ${left} pod(s) still there ${opts.graceMs + settings.stopWaitMs} ms after delete`);
        await sleep(settings.pollMs);
      }
    },

    async tailLogs(key, maxLines) {
      const deployment = await find(key);
      if (!deployment) return [];
      const namespace = deployment.metadata!.namespace!;
      const pods = (await podsOf(namespace, key)).sort((a, b) =>
        String(b.metadata?.creationTimestamp ?? '').localeCompare(String(a.metadata?.creationTimestamp ?? '')),
      );
      const core = await coreFor(namespace);
      let unavailable: string | undefined;
      for (const pod of pods) {
        try {
          const text = await core.readNamespacedPodLog({
            name: pod.metadata!.name!,
            namespace,
            container: APP_CONTAINER,
            tailLines: maxLines,
          });
          return String(text).split('\n').filter(Boolean).slice(-maxLines);
        } catch (err) {
          // A pod that has not started has no log yet, and kwok's fake nodes serve none: try the next one.
          if (!(err instanceof ApiException)) throw err;
          unavailable = `(no log from pod ${pod.metadata?.name}: HTTP ${err.code})`;
        }
      }
      return unavailable ? [unavailable] : [];
    },

    async list(deploymentId) {
      const found = await adminApps.listDeploymentForAllNamespaces({
        labelSelector: selector({ ...MANAGED, [LABELS.deployment]: labelValue(deploymentId) }),
      });
      return found.items
        .filter((d) => !d.metadata?.deletionTimestamp && d.metadata?.annotations?.[ANNOTATIONS.deploymentId] === deploymentId)
        .map((d) => d.metadata!.annotations![ANNOTATIONS.revisionKey]!);
    },
  };
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
