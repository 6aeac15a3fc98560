import type { ClusterFacts, ImageRef, Resources } from '@carbon/platform';
import { mirrorImage } from './image.ts';
import { commonLabels, obj, type K8sObject } from './objects.ts';
import { SCRAPE_LABEL } from './service.ts';

/**
 * L2 builders for the pods prometheus-operator runs from custom resources (monitoring.coreos.com/v1).
 * The operator owns their StatefulSets; these builders set what our workload builder sets for its own
 * pods: mirrored image, requests/limits, non-root pod security, spread across nodes, own PDB.
 */

export type OperatedKind = 'prometheus' | 'alertmanager';

export interface OperatedPodSpec {
  /** Custom resource name; the operator names pods `<kind>-<name>-<n>`. */
  name: string;
  namespace: string;
  /** Owning platform service, for labels. */
  service: string;
  image: ImageRef;
  replicas: number;
  resources: Resources;
  /** The image's non-root uid (also used as gid and fsGroup). */
  uid: number;
  serviceAccountName: string;
  storageSize: string;
}

export interface PrometheusSpec extends OperatedPodSpec {
  retention: string;
  retentionSize: string;
  /** Alertmanager the Prometheus pods send to: a Service in the same namespace and its port name. */
  alertmanager?: { service: string; port: string };
}

/** Labels the operator itself puts on the pods it creates (its selector labels; they override podMetadata). */
export function operatedSelector(kind: OperatedKind, name: string): Record<string, string> {
  return { 'app.kubernetes.io/name': kind, [kind]: name };
}

function versionOf(tag: string): string {
  return tag.replace(/^v/, '');
}

function commonPodSpec(kind: OperatedKind, s: OperatedPodSpec, cluster: ClusterFacts): Record<string, unknown> {
  const spread = cluster.nodes.length > 1 && s.replicas > 1;
  return {
    image: mirrorImage(s.image, cluster).mirror,
    version: versionOf(s.image.tag),
    replicas: s.replicas,
    serviceAccountName: s.serviceAccountName,
    podMetadata: { labels: { 'app.kubernetes.io/component': kind, 'app.kubernetes.io/part-of': commonLabels(s.service)['app.kubernetes.io/part-of']! } },
    resources: { requests: { ...s.resources.requests }, limits: { ...s.resources.limits } },
    securityContext: {
      runAsNonRoot: true,
      runAsUser: s.uid,
      runAsGroup: s.uid,
      fsGroup: s.uid,
      seccompProfile: { type: 'RuntimeDefault' },
    },
    ...(spread
      ? {
          topologySpreadConstraints: [
            {
              maxSkew: 1,
              topologyKey: 'kubernetes.io/hostname',
              whenUnsatisfiable: 'DoNotSchedule',
              labelSelector: { matchLabels: operatedSelector(kind, s.name) },
            },
          ],
        }
      : {}),
    storage: {
      volumeClaimTemplate: {
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: s.storageSize } } },
      },
    },
  };
}

/** A Prometheus that scrapes every ServiceMonitor/PodMonitor/PrometheusRule labelled for scraping, in any namespace. */
export function prometheusResource(s: PrometheusSpec, cluster: ClusterFacts): K8sObject {
  const scrape = { matchLabels: { [SCRAPE_LABEL]: 'true' } };
  return obj('monitoring.coreos.com/v1', 'Prometheus', { name: s.name, namespace: s.namespace, labels: commonLabels(s.service, 'prometheus') }, {
    spec: {
      ...commonPodSpec('prometheus', s, cluster),
      externalLabels: { cluster: cluster.name },
      retention: s.retention,
      retentionSize: s.retentionSize,
      walCompression: true,
      serviceMonitorSelector: scrape,
      serviceMonitorNamespaceSelector: {},
      podMonitorSelector: scrape,
      podMonitorNamespaceSelector: {},
      ruleSelector: scrape,
      ruleNamespaceSelector: {},
      ...(s.alertmanager
        ? { alerting: { alertmanagers: [{ namespace: s.namespace, name: s.alertmanager.service, port: s.alertmanager.port, apiVersion: 'v2' }] } }
        : {}),
    },
  });
}

/** An Alertmanager cluster (replicas gossip silences and notification state to each other), configured by one AlertmanagerConfig. */
export function alertmanagerResource(s: OperatedPodSpec & { config?: string }, cluster: ClusterFacts): K8sObject {
  return obj('monitoring.coreos.com/v1', 'Alertmanager', { name: s.name, namespace: s.namespace, labels: commonLabels(s.service, 'alertmanager') }, {
    spec: {
      ...commonPodSpec('alertmanager', s, cluster),
      // The operator mounts a token only when asked; Alertmanager never calls the Kubernetes API.
      automountServiceAccountToken: false,
      retention: '120h',
      ...(s.config ? { alertmanagerConfiguration: { name: s.config } } : {}),
    },
  });
}

/** A ClusterIP Service in front of operator-managed pods (the operator's own `-operated` Service is headless). */
export function operatedService(kind: OperatedKind, s: { name: string; namespace: string; service: string }, ports: { name: string; port: number }[]): K8sObject {
  return obj('v1', 'Service', { name: s.name, namespace: s.namespace, labels: commonLabels(s.service, kind) }, {
    spec: {
      type: 'ClusterIP',
      selector: operatedSelector(kind, s.name),
      ports: ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.name, protocol: 'TCP' })),
    },
  });
}

/** PDB for operator-managed pods: only when there is more than one, as for workloads. */
export function operatedDisruptionBudget(kind: OperatedKind, s: { name: string; namespace: string; service: string; replicas: number }): K8sObject[] {
  if (s.replicas < 2) return [];
  return [
    obj('policy/v1', 'PodDisruptionBudget', { name: `${kind}-${s.name}`, namespace: s.namespace, labels: commonLabels(s.service, kind) }, {
      spec: { maxUnavailable: 1, selector: { matchLabels: operatedSelector(kind, s.name) } },
    }),
  ];
}

/** A ServiceMonitor for pods that are not platform workloads (labelled for scraping like the builder's own). */
export function serviceMonitorFor(
  s: { name: string; namespace: string; service: string },
  selector: Record<string, string>,
  endpoints: { port: string; path?: string; interval?: string }[],
): K8sObject {
  return obj('monitoring.coreos.com/v1', 'ServiceMonitor', { name: s.name, namespace: s.namespace, labels: { ...commonLabels(s.service), [SCRAPE_LABEL]: 'true' } }, {
    spec: {
      selector: { matchLabels: selector },
      namespaceSelector: { matchNames: [s.namespace] },
      endpoints: endpoints.map((e) => ({ port: e.port, path: e.path ?? '/metrics', interval: e.interval ?? '30s' })),
    },
  });
}

/**
 * The kubelets' metrics (volume usage for PVC alerts), through the endpoints prometheus-operator keeps
 * for `--kubelet-service=kube-system/kubelet`: HTTPS with the Prometheus service account's token,
 * only the series the alerts read.
 */
export function kubeletServiceMonitor(s: { namespace: string; service: string }): K8sObject {
  return obj('monitoring.coreos.com/v1', 'ServiceMonitor', { name: 'kubelet', namespace: 'kube-system', labels: { ...commonLabels(s.service, 'kubelet'), [SCRAPE_LABEL]: 'true' } }, {
    spec: {
      selector: { matchLabels: { 'app.kubernetes.io/name': 'kubelet' } },
      namespaceSelector: { matchNames: ['kube-system'] },
      endpoints: [
        {
          port: 'https-metrics',
          scheme: 'https',
          path: '/metrics',
          interval: '60s',
          honorLabels: true,
          bearerTokenFile: '/var/run/secrets/kubernetes.io/serviceaccount/token',
          // Kubelet serving certificates are self-signed unless the cluster rotates them through its CA.
          tlsConfig: { insecureSkipVerify: true },
          relabelings: [{ action: 'replace', sourceLabels: ['__meta_kubernetes_endpoint_node_name'], targetLabel: 'node' }],
          metricRelabelings: [{ action: 'keep', sourceLabels: ['__name__'], regex: 'kubelet_volume_stats_(available|capacity|used)_bytes|kubelet_running_pods' }],
        },
      ],
    },
  });
}

/** Flux controllers' own metrics (reconcile durations and errors), from the pods `flux bootstrap` installs. */
export function fluxPodMonitor(s: { service: string }): K8sObject {
  return obj('monitoring.coreos.com/v1', 'PodMonitor', { name: 'flux-controllers', namespace: 'flux-system', labels: { ...commonLabels(s.service, 'flux'), [SCRAPE_LABEL]: 'true' } }, {
    spec: {
      namespaceSelector: { matchNames: ['flux-system'] },
      selector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['helm-controller', 'kustomize-controller', 'notification-controller', 'source-controller'] }] },
      podMetricsEndpoints: [{ port: 'http-prom', path: '/metrics', interval: '60s' }],
    },
  });
}
