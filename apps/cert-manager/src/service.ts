import { byCluster, defineService, egress, httpGet, nonRootUser, resources, tcpProbes, tcpSocket, type Workload } from '@carbon/platform';

const VERSION = 'v1.16.5'; // same as the pinned CRD source in packages/toolchain/src/versions.ts
const img = (name: string) => ({ upstream: `quay.io/jetstack/cert-manager-${name}`, tag: VERSION });
const acmeSolver = img('acmesolver');
const security = nonRootUser(1000);
const size = byCluster(resources('50m/96Mi', '250m/256Mi'), resources('100m/128Mi', '500m/384Mi'));
const ha = byCluster(1, 2);
// Every component: small, two replicas on production (leader election), the image's non-root user.
const shared = { resources: size, replicas: ha, security };
const read = ['get', 'list', 'watch'];
const write = [...read, 'create', 'update', 'patch', 'delete'];
const CM = ['cert-manager.io'];
const ACME = ['acme.cert-manager.io'];
const lease = { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update', 'patch'] };
const events = { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] };
const webhookDns = ['cert-manager-webhook', 'cert-manager-webhook.cert-manager', 'cert-manager-webhook.cert-manager.svc'].join(',');

const controller: Workload = {
  name: 'controller',
  kind: 'Deployment',
  image: img('controller'),
  args: ({ mirror }) => [
    '--v=2',
    '--cluster-resource-namespace=$(POD_NAMESPACE)',
    '--leader-election-namespace=cert-manager',
    `--acme-http01-solver-image=${mirror(acmeSolver)}`,
    '--max-concurrent-challenges=60',
  ],
  env: { POD_NAMESPACE: { fieldPath: 'metadata.namespace' } },
  ports: [
    { name: 'http-metrics', port: 9402 },
    { name: 'http-healthz', port: 9403, internal: true },
  ],
  probes: { liveness: httpGet('/livez', 'http-healthz', { initialDelaySeconds: 10 }), readiness: tcpSocket('http-metrics') },
  ...shared,
  serviceAccount: {
    automountToken: true,
    clusterRules: [
      { apiGroups: CM, resources: ['issuers', 'clusterissuers', 'certificates', 'certificaterequests'], verbs: write },
      { apiGroups: CM, resources: ['issuers/status', 'clusterissuers/status', 'certificates/status', 'certificaterequests/status', 'certificates/finalizers', 'certificaterequests/finalizers'], verbs: ['update', 'patch'] },
      { apiGroups: CM, resources: ['signers'], verbs: ['approve'], resourceNames: ['issuers.cert-manager.io/*', 'clusterissuers.cert-manager.io/*'] },
      { apiGroups: ACME, resources: ['orders', 'challenges'], verbs: write },
      { apiGroups: ACME, resources: ['orders/status', 'challenges/status', 'orders/finalizers', 'challenges/finalizers'], verbs: ['update', 'patch'] },
      { apiGroups: ['certificates.k8s.io'], resources: ['certificatesigningrequests'], verbs: read },
      { apiGroups: ['certificates.k8s.io'], resources: ['certificatesigningrequests/status'], verbs: ['update', 'patch'] },
      { apiGroups: ['certificates.k8s.io'], resources: ['signers'], verbs: ['sign'], resourceNames: ['issuers.cert-manager.io/*', 'clusterissuers.cert-manager.io/*'] },
      { apiGroups: ['authorization.k8s.io'], resources: ['subjectaccessreviews'], verbs: ['create'] },
      // HTTP-01 solver: a pod, service and ingress per challenge.
      { apiGroups: [''], resources: ['pods', 'services'], verbs: [...read, 'create', 'delete'] },
      { apiGroups: ['networking.k8s.io'], resources: ['ingresses'], verbs: [...read, 'create', 'delete', 'update'] },
      { apiGroups: ['networking.k8s.io'], resources: ['ingresses/finalizers'], verbs: ['update'] },
      { apiGroups: [''], resources: ['secrets'], verbs: write },
      { apiGroups: [''], resources: ['configmaps'], verbs: read },
      events,
      lease,
    ],
  },
};

const webhook: Workload = {
  name: 'webhook',
  kind: 'Deployment',
  image: img('webhook'),
  args: [
    '--v=2',
    '--secure-port=10250',
    '--dynamic-serving-ca-secret-namespace=$(POD_NAMESPACE)',
    '--dynamic-serving-ca-secret-name=cert-manager-webhook-ca',
    `--dynamic-serving-dns-names=${webhookDns}`,
  ],
  env: { POD_NAMESPACE: { fieldPath: 'metadata.namespace' } },
  ports: [
    { name: 'https', port: 10250 },
    { name: 'healthcheck', port: 6080, internal: true },
  ],
  probes: { liveness: httpGet('/livez', 'healthcheck', { initialDelaySeconds: 60 }), readiness: httpGet('/healthz', 'healthcheck', { initialDelaySeconds: 5 }) },
  ...shared,
  serviceAccount: {
    automountToken: true,
    rules: [{ apiGroups: [''], resources: ['secrets'], verbs: [...read, 'create', 'update'] }],
    clusterRules: [{ apiGroups: ['authorization.k8s.io'], resources: ['subjectaccessreviews'], verbs: ['create'] }],
  },
};

const cainjector: Workload = {
  name: 'cainjector',
  kind: 'Deployment',
  image: img('cainjector'),
  args: ['--v=2', '--leader-election-namespace=cert-manager'],
  ports: [{ name: 'http-metrics', port: 9402 }],
  probes: tcpProbes('http-metrics', { liveness: { initialDelaySeconds: 20 } }),
  ...shared,
  serviceAccount: {
    automountToken: true,
    clusterRules: [
      { apiGroups: CM, resources: ['certificates'], verbs: read },
      { apiGroups: [''], resources: ['secrets'], verbs: read },
      { apiGroups: ['admissionregistration.k8s.io'], resources: ['validatingwebhookconfigurations', 'mutatingwebhookconfigurations'], verbs: [...read, 'update', 'patch'] },
      { apiGroups: ['apiregistration.k8s.io'], resources: ['apiservices'], verbs: [...read, 'update', 'patch'] },
      { apiGroups: ['apiextensions.k8s.io'], resources: ['customresourcedefinitions'], verbs: [...read, 'update', 'patch'] },
      events,
      lease,
    ],
  },
};

const webhookClient = { service: { name: 'cert-manager-webhook', namespace: 'cert-manager', port: 10250 } };
const webhookRules = [{ apiGroups: ['cert-manager.io'], apiVersions: ['v1'], operations: ['CREATE'], resources: ['certificaterequests'], scope: '*' }];
const labels = { 'app.kubernetes.io/name': 'cert-manager', 'app.kubernetes.io/component': 'webhook', 'app.kubernetes.io/part-of': '254carbon' };
// The CA bundle is injected by cainjector from this secret; Flux does not own that field.
const inject = { 'cert-manager.io/inject-ca-from-secret': 'cert-manager/cert-manager-webhook-ca' };

function webhookConfiguration(
  kind: 'MutatingWebhookConfiguration' | 'ValidatingWebhookConfiguration',
  hook: { path: string; rules: Record<string, unknown>[]; namespaceSelector?: Record<string, unknown> },
) {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind,
    metadata: { name: 'cert-manager-webhook', labels, annotations: inject },
    webhooks: [
      {
        name: 'webhook.cert-manager.io',
        admissionReviewVersions: ['v1'],
        sideEffects: 'None',
        failurePolicy: 'Fail',
        timeoutSeconds: 10,
        matchPolicy: 'Equivalent',
        ...(hook.namespaceSelector ? { namespaceSelector: hook.namespaceSelector } : {}),
        clientConfig: { service: { ...webhookClient.service, path: hook.path } },
        rules: hook.rules,
      },
    ],
  };
}

export const service = defineService({
  name: 'cert-manager',
  namespace: 'cert-manager',
  layer: 'controllers',
  description: "cert-manager: issues and renews Let's Encrypt certificates for every public service",
  crds: { source: 'cert-manager' },
  extraImages: [acmeSolver],
  workloads: [controller, webhook, cainjector],
  monitoring: { workload: 'controller', port: 'http-metrics', path: '/metrics' },
  network: {
    // The API server calls the webhook from the control plane's address, which the generator cannot know.
    ingress: [{ workloads: ['webhook'], peer: { cidr: '0.0.0.0/0' }, ports: ['https'] }],
    egress: [
      egress.kubeApi(),
      egress.internet([443, 80], 'controller'),
    ],
  },
  extraObjects: () => [
    webhookConfiguration('MutatingWebhookConfiguration', { path: '/mutate', rules: webhookRules }),
    webhookConfiguration('ValidatingWebhookConfiguration', {
      path: '/validate',
      rules: [{ apiGroups: ['cert-manager.io', 'acme.cert-manager.io'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['*/*'], scope: '*' }],
      namespaceSelector: { matchExpressions: [{ key: 'cert-manager.io/disable-validation', operator: 'NotIn', values: ['true'] }] },
    }),
  ],
});
