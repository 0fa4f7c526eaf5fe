/**
 * @kubernetes/client-node 1.x ships as an ES module only. Node 20.19+ loads it with require()
 * and jest compiles it to CommonJS (jest.config.js), but TypeScript under `module: Node16`
 * refuses a value import of ESM from a CommonJS file; this one shim takes the types from the
 * ESM declarations and the values through require, so the rest of the code imports from here.
 */
type K8s = typeof import('@kubernetes/client-node', { with: { 'resolution-mode': 'import' } });

// eslint-disable-next-line @typescript-eslint/no-require-imports
const k8s = require('@kubernetes/client-node') as K8s;

export const { KubeConfig, CoreV1Api, AppsV1Api, DiscoveryV1Api, RbacAuthorizationV1Api, ApiException, PatchStrategy, setHeaderOptions } =
  k8s;
export type KubeConfig = InstanceType<K8s['KubeConfig']>;
export type CoreV1Api = InstanceType<K8s['CoreV1Api']>;
export type AppsV1Api = InstanceType<K8s['AppsV1Api']>;
export type DiscoveryV1Api = InstanceType<K8s['DiscoveryV1Api']>;
export type RbacAuthorizationV1Api = InstanceType<K8s['RbacAuthorizationV1Api']>;
export type { V1Deployment, V1Pod, V1Secret, V1Service, V1Namespace, CoreV1Event, V1ResourceQuota } from '@kubernetes/client-node' with {
  'resolution-mode': 'import',
};
