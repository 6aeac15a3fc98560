import { byCluster, defineService, egress, everywhere, nonRootUser, resources } from '@carbon/platform';

const NAME = 'kube-state-metrics';
const watch = ['list', 'watch'];

/**
 * Only the kinds the platform alerts and dashboards read (pods, workloads, nodes, quotas, PVCs, jobs,
 * HPAs): fewer series, and the ClusterRole below grants list/watch on exactly these.
 */
const RESOURCES = ['cronjobs', 'daemonsets', 'deployments', 'horizontalpodautoscalers', 'jobs', 'namespaces', 'nodes', 'persistentvolumeclaims', 'pods', 'resourcequotas', 'statefulsets'];

/**
 * Flux's state as metrics (the approach of Flux's monitoring guide, since the controllers dropped
 * gotk_reconcile_condition): one `gotk_resource_info` series per Kustomization and HelmRelease with
 * its Ready status, whether it is suspended, and (Kustomizations) the last applied and attempted revision.
 */
/** One custom-resource-state entry: `gotk_resource_info` with Ready, suspend and extra status labels. */
const fluxResource = (group: string, version: string, kind: string, extra: Record<string, string>): string[] => [
  `    - groupVersionKind: { group: ${group}, version: ${version}, kind: ${kind} }`,
  '      metricNamePrefix: gotk',
  '      labelsFromPath:',
  '        name: [metadata, name]',
  '        namespace: [metadata, namespace]',
  '      metrics:',
  '        - name: resource_info',
  `          help: The current state of a Flux ${kind}.`,
  '          each:',
  '            type: Info',
  '            info:',
  '              labelsFromPath:',
  '                ready: [status, conditions, "[type=Ready]", status]',
  '                suspended: [spec, suspend]',
  ...Object.entries(extra).map(([label, path]) => `                ${label}: ${path}`),
];

const fluxState = [
  'kind: CustomResourceStateMetrics',
  'spec:',
  '  resources:',
  ...fluxResource('kustomize.toolkit.fluxcd.io', 'v1', 'Kustomization', { revision_applied: '[status, lastAppliedRevision]', revision_attempted: '[status, lastAttemptedRevision]' }),
  ...fluxResource('helm.toolkit.fluxcd.io', 'v2', 'HelmRelease', {}),
  '',
].join('\n');

export const service = defineService({
  name: NAME,
  namespace: 'monitoring',
  layer: 'apps',
  description: 'kube-state-metrics: pods, workloads, nodes, quotas, PVCs and Flux Kustomizations/HelmReleases as metrics for the platform alerts',
  workloads: [
    {
      name: NAME,
      kind: 'Deployment',
      image: { upstream: 'registry.k8s.io/kube-state-metrics/kube-state-metrics', tag: 'v2.13.0' },
      args: [
        '--port=8080',
        '--telemetry-port=8081',
        `--resources=${RESOURCES.join(',')}`,
        '--custom-resource-state-config-file=/etc/kube-state-metrics/flux.yaml',
      ],
      ports: [
        { name: 'metrics', port: 8080 },
        { name: 'telemetry', port: 8081 },
      ],
      probes: {
        liveness: { http: '/livez', port: 'metrics', initialDelaySeconds: 5 },
        readiness: { http: '/readyz', port: 'telemetry', initialDelaySeconds: 5 },
      },
      resources: everywhere(resources('50m/128Mi', '200m/256Mi')),
      // HA in production: both replicas export the same series (Prometheus scrapes both; the
      // platform alerts aggregate with max so a duplicate never doubles a figure).
      replicas: byCluster(1, 2),
      config: { mountPath: '/etc/kube-state-metrics', files: { 'flux.yaml': fluxState } },
      security: nonRootUser(65534),
      serviceAccount: {
        automountToken: true,
        // Read-only list/watch of exactly the kinds exported; never Secrets or ConfigMaps.
        clusterRules: [
          { apiGroups: [''], resources: ['namespaces', 'nodes', 'persistentvolumeclaims', 'pods', 'resourcequotas'], verbs: watch },
          { apiGroups: ['apps'], resources: ['daemonsets', 'deployments', 'statefulsets'], verbs: watch },
          { apiGroups: ['batch'], resources: ['cronjobs', 'jobs'], verbs: watch },
          { apiGroups: ['autoscaling'], resources: ['horizontalpodautoscalers'], verbs: watch },
          { apiGroups: ['kustomize.toolkit.fluxcd.io'], resources: ['kustomizations'], verbs: watch },
          { apiGroups: ['helm.toolkit.fluxcd.io'], resources: ['helmreleases'], verbs: watch },
          // Custom resource state discovers the CRDs it is configured for.
          { apiGroups: ['apiextensions.k8s.io'], resources: ['customresourcedefinitions'], verbs: watch },
        ],
      },
    },
  ],
  // honorLabels: the namespace, pod and node labels describe the objects, not the exporter's own pod.
  monitoring: { workload: NAME, port: 'metrics', path: '/metrics', honorLabels: true },
  network: {
    egress: [egress.kubeApi()],
  },
});
