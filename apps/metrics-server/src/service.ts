import { byCluster, defineService, egress, nonRootUser, resources } from '@carbon/platform';
import { commonLabels } from '@carbon/manifests';

const NAME = 'metrics-server';
const read = ['get', 'list', 'watch'];

export const service = defineService({
  name: NAME,
  namespace: 'metrics-server',
  layer: 'controllers',
  description: 'Resource metrics API (metrics.k8s.io) behind HPAs and `kubectl top`',
  workloads: [
    {
      name: NAME,
      kind: 'Deployment',
      image: { upstream: 'registry.k8s.io/metrics-server/metrics-server', tag: 'v0.7.2' },
      args: [
        '--cert-dir=/tmp',
        '--secure-port=10250',
        '--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname',
        '--kubelet-use-node-status-port',
        '--metric-resolution=15s',
      ],
      // The APIService calls port 443 of the Service; the container listens unprivileged on 10250.
      ports: [{ name: 'https', port: 10250, servicePort: 443 }],
      probes: {
        liveness: { http: '/livez', port: 'https', scheme: 'HTTPS', initialDelaySeconds: 20, periodSeconds: 10 },
        readiness: { http: '/readyz', port: 'https', scheme: 'HTTPS', initialDelaySeconds: 20, periodSeconds: 10 },
      },
      resources: byCluster(resources('100m/200Mi', '400m/448Mi')),
      // Upstream's high-availability manifest runs 2 replicas behind the APIService.
      replicas: byCluster(1, 2),
      priorityClassName: 'system-cluster-critical',
      security: nonRootUser(1000),
      serviceAccount: {
        automountToken: true,
        // system:metrics-server, per upstream components.yaml (v0.7).
        clusterRules: [
          { apiGroups: [''], resources: ['nodes/metrics'], verbs: ['get'] },
          { apiGroups: [''], resources: ['pods', 'nodes'], verbs: read },
        ],
      },
    },
  ],
  monitoring: { none: 'metrics-server serves /metrics only to authenticated, authorized clients over its self-signed HTTPS port; the ServiceMonitor builder has no TLS/bearer-token settings yet' },
  network: {
    // The API server proxies metrics.k8s.io requests from the control plane's address, unknown to the generator.
    ingress: [{ peer: 'kube-apiserver', ports: ['https'] }],
    egress: [
      egress.kubeApi(),
      // Every node's kubelet; node addresses are not part of the cluster facts.
      { peer: { cidr: '0.0.0.0/0' }, ports: [10250] },
    ],
  },
  extraObjects: ({ namespace, service }) => {
    const labels = commonLabels(service, NAME);
    const subject = { kind: 'ServiceAccount', name: NAME, namespace };
    return [
      {
        apiVersion: 'apiregistration.k8s.io/v1',
        kind: 'APIService',
        metadata: { name: 'v1beta1.metrics.k8s.io', labels },
        spec: {
          group: 'metrics.k8s.io',
          version: 'v1beta1',
          service: { name: NAME, namespace, port: 443 },
          groupPriorityMinimum: 100,
          versionPriority: 100,
          // metrics-server serves a self-signed certificate (--cert-dir); upstream registers it the same way.
          insecureSkipTLSVerify: true,
        },
      },
      {
        // Lets viewers/editors/admins read metrics.k8s.io through the aggregated default roles.
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: {
          name: 'system:aggregated-metrics-reader',
          labels: {
            ...labels,
            'rbac.authorization.k8s.io/aggregate-to-admin': 'true',
            'rbac.authorization.k8s.io/aggregate-to-edit': 'true',
            'rbac.authorization.k8s.io/aggregate-to-view': 'true',
          },
        },
        rules: [{ apiGroups: ['metrics.k8s.io'], resources: ['pods', 'nodes'], verbs: read }],
      },
      {
        // Delegated authn/authz of requests the API server forwards.
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: 'metrics-server:system:auth-delegator', labels },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:auth-delegator' },
        subjects: [subject],
      },
      {
        // Reads the front-proxy client CA from kube-system/extension-apiserver-authentication.
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: 'metrics-server-auth-reader', namespace: 'kube-system', labels },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'extension-apiserver-authentication-reader' },
        subjects: [subject],
      },
    ];
  },
});
