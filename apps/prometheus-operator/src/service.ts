import { byCluster, defineService, egress, everywhere, httpProbes, nonRootUser, resources } from '@carbon/platform';

// Same as the pinned CRD source `prometheus-operator` in packages/toolchain/src/versions.ts.
const VERSION = 'v0.78.2';
const reloader = { upstream: 'quay.io/prometheus-operator/prometheus-config-reloader', tag: VERSION };
const all = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];

export const service = defineService({
  name: 'prometheus-operator',
  namespace: 'monitoring',
  layer: 'controllers',
  description: 'Prometheus Operator: runs Prometheus and Alertmanager from custom resources and ships the monitoring.coreos.com CRDs',
  crds: { source: 'prometheus-operator' },
  // Injected by the operator as a sidecar into every Prometheus and Alertmanager pod.
  extraImages: [reloader],
  workloads: [
    {
      name: 'operator',
      kind: 'Deployment',
      singleton: 'prometheus-operator has no leader election: two replicas would reconcile the same StatefulSets against each other',
      image: { upstream: 'quay.io/prometheus-operator/prometheus-operator', tag: VERSION },
      args: ({ mirror }) => [
        `--prometheus-config-reloader=${mirror(reloader)}`,
        '--web.listen-address=:8080',
        // Keeps kube-system/kubelet endpoints (every node) for the kubelet ServiceMonitor.
        '--kubelet-service=kube-system/kubelet',
        '--log-format=logfmt',
      ],
      env: { GOGC: '30' },
      ports: [{ name: 'http', port: 8080 }],
      probes: httpProbes('/healthz', 'http', { liveness: { initialDelaySeconds: 10 }, readiness: { initialDelaySeconds: 5 } }),
      resources: byCluster(resources('100m/128Mi', '300m/256Mi'), resources('100m/160Mi', '500m/384Mi')),
      replicas: everywhere(1),
      security: nonRootUser(65534),
      serviceAccount: {
        automountToken: true,
        // Per upstream example/rbac/prometheus-operator (v0.78.2), with '*' spelled out as verbs.
        clusterRules: [
          {
            apiGroups: ['monitoring.coreos.com'],
            resources: [
              'alertmanagers', 'alertmanagers/finalizers', 'alertmanagers/status', 'alertmanagerconfigs',
              'prometheuses', 'prometheuses/finalizers', 'prometheuses/status',
              'prometheusagents', 'prometheusagents/finalizers', 'prometheusagents/status',
              'thanosrulers', 'thanosrulers/finalizers', 'thanosrulers/status',
              'scrapeconfigs', 'servicemonitors', 'podmonitors', 'probes', 'prometheusrules',
            ],
            verbs: all,
          },
          { apiGroups: ['apps'], resources: ['statefulsets'], verbs: all },
          { apiGroups: [''], resources: ['configmaps', 'secrets'], verbs: all },
          { apiGroups: [''], resources: ['pods'], verbs: ['list', 'delete'] },
          { apiGroups: [''], resources: ['services', 'services/finalizers', 'endpoints'], verbs: ['get', 'create', 'update', 'delete'] },
          { apiGroups: [''], resources: ['nodes'], verbs: ['list', 'watch'] },
          { apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'list', 'watch'] },
          { apiGroups: [''], resources: ['events'], verbs: ['patch', 'create'] },
          { apiGroups: ['networking.k8s.io'], resources: ['ingresses'], verbs: ['get', 'list', 'watch'] },
          { apiGroups: ['storage.k8s.io'], resources: ['storageclasses'], verbs: ['get'] },
        ],
      },
    },
  ],
  monitoring: { workload: 'operator', port: 'http', path: '/metrics' },
  network: {
    egress: [egress.kubeApi()],
  },
});
