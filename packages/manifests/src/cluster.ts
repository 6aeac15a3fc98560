import type { ClusterFacts, Layer, NamespaceFacts, ServiceDefinition } from '@carbon/platform';
import { obj, type K8sObject } from './objects.ts';

export const FLUX_NAMESPACE = 'flux-system';
export const FLUX_SOURCE = 'flux-system';
export const LAYERS: Layer[] = ['controllers', 'configs', 'apps'];
const KS = 'kustomize.toolkit.fluxcd.io/v1';
const SOURCE = 'source.toolkit.fluxcd.io/v1';
const NOTIFY = 'notification.toolkit.fluxcd.io/v1beta3';

/** Namespace, quota, limit range and the default-deny + DNS policies every platform namespace starts from. */
export function buildNamespace(ns: NamespaceFacts, podSecurity: 'restricted' | 'baseline' | 'privileged'): K8sObject[] {
  const labels = { 'app.kubernetes.io/part-of': '254carbon', 'app.kubernetes.io/managed-by': 'platform-generate' };
  return [
    obj('v1', 'Namespace', {
      name: ns.name,
      labels: {
        ...labels,
        'pod-security.kubernetes.io/enforce': podSecurity,
        'pod-security.kubernetes.io/audit': 'restricted',
        'pod-security.kubernetes.io/warn': 'restricted',
      },
    }),
    obj('v1', 'ResourceQuota', { name: 'platform-quota', namespace: ns.name, labels }, {
      spec: {
        hard: {
          'requests.cpu': ns.quota.requests.cpu,
          'requests.memory': ns.quota.requests.memory,
          'limits.cpu': ns.quota.limits.cpu,
          'limits.memory': ns.quota.limits.memory,
          pods: String(ns.quota.pods),
          'requests.storage': ns.quota.storage,
          persistentvolumeclaims: String(ns.quota.persistentVolumeClaims),
        },
      },
    }),
    obj('v1', 'LimitRange', { name: 'platform-defaults', namespace: ns.name, labels }, {
      spec: {
        limits: [
          {
            type: 'Container',
            defaultRequest: { ...ns.limitRange.defaultRequest },
            default: { ...ns.limitRange.default },
            max: { ...ns.limitRange.max },
          },
        ],
      },
    }),
    obj('networking.k8s.io/v1', 'NetworkPolicy', { name: 'default-deny-all', namespace: ns.name, labels }, {
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    }),
    obj('networking.k8s.io/v1', 'NetworkPolicy', { name: 'allow-dns', namespace: ns.name, labels }, {
      spec: {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [
          {
            to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
            ports: [
              { protocol: 'UDP', port: 53 },
              { protocol: 'TCP', port: 53 },
            ],
          },
        ],
      },
    }),
  ];
}

/** The weakest Pod Security level a namespace's workloads need (hostPath, hostNetwork or added capabilities lower it). */
export function podSecurityFor(ns: string, services: ServiceDefinition[]): 'restricted' | 'baseline' | 'privileged' {
  let level: 'restricted' | 'baseline' | 'privileged' = 'restricted';
  for (const s of services.filter((x) => x.namespace === ns)) {
    for (const w of s.workloads) {
      if (w.hostNetwork || (w.volumes ?? []).some((v) => 'hostPath' in v)) return 'privileged';
      if ((w.security.addCapabilities ?? []).some((c) => c.name !== 'NET_BIND_SERVICE')) level = 'baseline';
      if (typeof w.security.seccomp === 'object') level = 'baseline';
    }
  }
  return level;
}

export interface ServiceWiring {
  name: string;
  layer: Layer;
  dependsOn: string[];
  /** Commit a pinned cluster runs this service at. */
  pin?: string;
}

/** The Flux Kustomization (and, on a pinned cluster, its own GitRepository) that deploys one service. */
export function buildServiceKustomization(cluster: ClusterFacts, s: ServiceWiring): K8sObject[] {
  const pinned = cluster.sourcing === 'pinned';
  const out: K8sObject[] = [];
  const labels = { 'platform.254carbon.com/layer': s.layer, 'platform.254carbon.com/service': s.name };
  if (pinned) {
    if (!s.pin) throw new Error(`service ${s.name} has no pin on ${cluster.name}`);
    out.push(
      obj(SOURCE, 'GitRepository', { name: s.name, namespace: FLUX_NAMESPACE, labels, annotations: { 'platform.254carbon.com/promoted-commit': s.pin } }, {
        spec: {
          interval: '10m',
          url: cluster.git.url,
          secretRef: { name: cluster.git.secretRef },
          ref: { commit: s.pin },
          // Only what this service's overlay needs is fetched; everything else in the repo is ignored.
          ignore: `/*\n!/apps/${s.name}/deploy/\n`,
        },
      }),
    );
  }
  out.push(
    obj(KS, 'Kustomization', { name: s.name, namespace: FLUX_NAMESPACE, labels }, {
      spec: {
        interval: '10m',
        retryInterval: '2m',
        timeout: `${SERVICE_TIMEOUT_MINUTES}m`,
        path: `./apps/${s.name}/deploy/overlays/${cluster.name}`,
        prune: true,
        wait: true,
        sourceRef: { kind: 'GitRepository', name: pinned ? s.name : FLUX_SOURCE },
        ...(s.dependsOn.length ? { dependsOn: s.dependsOn.map((d) => ({ name: d })) } : {}),
      },
    }),
  );
  return out;
}

/** Each service Kustomization's `timeout` (it waits for its own objects' health). */
export const SERVICE_TIMEOUT_MINUTES = 10;
/** A layer that applies no service Kustomization waits for its own objects only (namespaces). */
const LAYER_MIN_TIMEOUT_MINUTES = 15;
/** Head-room above the longest chain a layer waits for. */
const LAYER_MARGIN_MINUTES = 5;

/**
 * The timeout of a layer Kustomization that waits (`wait: true`) for the service Kustomizations it
 * applies. Each of those waits in turn for its `dependsOn` chain, every step allowed
 * SERVICE_TIMEOUT_MINUTES, so the layer must outlast the longest chain (FLX011 flags it otherwise:
 * a 15 m layer over postgresql → datahub, 20 m, can fail while both are still progressing).
 * Only dependencies inside the layer count: an earlier layer's services are Ready before this layer
 * starts (it depends on that layer, which waits for them).
 */
export function layerTimeoutMinutes(children: readonly string[], dependsOn: ReadonlyMap<string, readonly string[]>): number {
  const inLayer = new Set(children);
  const steps = (name: string, seen: ReadonlySet<string>): number => {
    const next = (dependsOn.get(name) ?? []).filter((d) => inLayer.has(d) && !seen.has(d));
    return 1 + Math.max(0, ...next.map((d) => steps(d, new Set([...seen, d]))));
  };
  const longest = Math.max(0, ...children.map((c) => steps(c, new Set([c]))));
  return longest === 0 ? LAYER_MIN_TIMEOUT_MINUTES : Math.max(LAYER_MIN_TIMEOUT_MINUTES, longest * SERVICE_TIMEOUT_MINUTES + LAYER_MARGIN_MINUTES);
}

export type LayerName = 'infra-namespaces' | 'infra-controllers' | 'infra-configs' | 'apps';

/**
 * Root wiring: the sync of the cluster folder and the layer chain namespaces → controllers → configs → apps.
 * `timeouts` gives each layer's timeout in minutes (layerTimeoutMinutes); a layer not named gets 15.
 */
export function buildClusterRoot(cluster: ClusterFacts, timeouts: Partial<Record<LayerName, number>> = {}): { sync: K8sObject[]; infrastructure: K8sObject[]; apps: K8sObject[] } {
  const base = `./clusters/${cluster.name}`;
  const layer = (name: LayerName, path: string, dependsOn: string[]) =>
    obj(KS, 'Kustomization', { name, namespace: FLUX_NAMESPACE }, {
      spec: {
        interval: '10m',
        retryInterval: '2m',
        timeout: `${timeouts[name] ?? LAYER_MIN_TIMEOUT_MINUTES}m`,
        path,
        prune: true,
        wait: true,
        sourceRef: { kind: 'GitRepository', name: FLUX_SOURCE },
        ...(dependsOn.length ? { dependsOn: dependsOn.map((d) => ({ name: d })) } : {}),
      },
    });
  return {
    sync: [
      obj(SOURCE, 'GitRepository', { name: FLUX_SOURCE, namespace: FLUX_NAMESPACE }, {
        spec: {
          interval: '1m',
          url: cluster.git.url,
          ref: { branch: cluster.git.branch },
          secretRef: { name: cluster.git.secretRef },
        },
      }),
      // No `wait`: flux-system applies the layer Kustomizations, and waiting on them means waiting on
      // the whole tree within this 5 m timeout. The real kustomize-controller failed it that way on
      // multi-node (issue 9 e2e, docs/e2e.md); the layers carry the health, as with `flux bootstrap`.
      obj(KS, 'Kustomization', { name: FLUX_SOURCE, namespace: FLUX_NAMESPACE }, {
        spec: { interval: '10m', retryInterval: '2m', timeout: '5m', path: base, prune: true, sourceRef: { kind: 'GitRepository', name: FLUX_SOURCE } },
      }),
    ],
    infrastructure: [
      layer('infra-namespaces', `${base}/infrastructure/namespaces`, []),
      layer('infra-controllers', `${base}/infrastructure/controllers`, ['infra-namespaces']),
      layer('infra-configs', `${base}/infrastructure/configs`, ['infra-controllers']),
    ],
    apps: [layer('apps', `${base}/apps`, ['infra-configs'])],
  };
}

/**
 * Staging reports every service reconciliation to GitHub as a repository_dispatch
 * (event_type `Kustomization/<name>.flux-system`): the promotion workflow's trigger.
 */
export function buildNotifications(cluster: ClusterFacts, services: string[], repoAddress: string): K8sObject[] {
  return [
    obj('external-secrets.io/v1beta1', 'ExternalSecret', { name: 'github-dispatch-token', namespace: FLUX_NAMESPACE }, {
      spec: {
        refreshInterval: '1h',
        secretStoreRef: { kind: 'ClusterSecretStore', name: 'vault' },
        target: { name: 'github-dispatch-token', creationPolicy: 'Owner' },
        data: [{ secretKey: 'token', remoteRef: { key: 'flux/github-dispatch', property: 'token' } }],
      },
    }),
    obj(NOTIFY, 'Provider', { name: 'github-dispatch', namespace: FLUX_NAMESPACE }, {
      spec: { type: 'githubdispatch', address: repoAddress, secretRef: { name: 'github-dispatch-token' } },
    }),
    obj(NOTIFY, 'Alert', { name: 'promotion', namespace: FLUX_NAMESPACE }, {
      spec: {
        providerRef: { name: 'github-dispatch' },
        // info includes error events: failures must reach the promotion gate too.
        eventSeverity: 'info',
        eventSources: [...services].sort().map((name) => ({ kind: 'Kustomization', name, namespace: FLUX_NAMESPACE })),
        eventMetadata: { env: cluster.name, cluster: cluster.name },
      },
    }),
  ];
}
