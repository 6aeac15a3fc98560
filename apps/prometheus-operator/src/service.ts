import { defineService } from '@carbon/platform';

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
      probes: {
        liveness: { http: '/healthz', port: 'http', initialDelaySeconds: 10 },
        readiness: { http: '/healthz', port: 'http', initialDelaySeconds: 5 },
      },
      resources: {
        'single-node': { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '300m', memory: '256Mi' } },
        'multi-node': { requests: { cpu: '100m', memory: '160Mi' }, limits: { cpu: '500m', memory: '384Mi' } },
      },
      replicas: { default: 1 },
      security: { runAsUser: 65534, runAsGroup: 65534 },
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
    egress: [{ peer: 'kube-apiserver', ports: [443, 6443] }],
  },
});
