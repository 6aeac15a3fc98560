import { byCluster, defineService, egress, httpGet, httpProbes, nonRootUser, resources, tcpSocket, type Workload } from '@carbon/platform';

const VERSION = 'v0.12.1'; // same as the pinned CRD source in packages/toolchain/src/versions.ts
const image = { upstream: 'ghcr.io/external-secrets/external-secrets', tag: VERSION };
const security = nonRootUser(1000);
const small = byCluster(resources('50m/96Mi', '250m/256Mi'), resources('100m/128Mi', '500m/384Mi'));
const ha = byCluster(1, 2);
// Every component: small, two replicas on production (leader election), the image's non-root user.
const shared = { resources: small, replicas: ha, security };
const ESO = ['external-secrets.io'];
const read = ['get', 'list', 'watch'];
const webhookName = 'external-secrets-webhook';

const controller: Workload = {
  name: 'controller',
  kind: 'Deployment',
  image,
  args: ['--concurrent=1', '--metrics-addr=:8080', '--live-addr=:8082', '--loglevel=info', '--enable-leader-election=true'],
  ports: [
    { name: 'metrics', port: 8080 },
    { name: 'live', port: 8082, internal: true },
  ],
  probes: { liveness: httpGet('/healthz', 'live'), readiness: tcpSocket('metrics') },
  ...shared,
  serviceAccount: {
    automountToken: true,
    clusterRules: [
      { apiGroups: ESO, resources: ['secretstores', 'clustersecretstores', 'externalsecrets', 'clusterexternalsecrets', 'pushsecrets'], verbs: [...read, 'update', 'patch'] },
      { apiGroups: ESO, resources: ['externalsecrets/status', 'externalsecrets/finalizers', 'secretstores/status', 'secretstores/finalizers', 'clustersecretstores/status', 'clustersecretstores/finalizers', 'clusterexternalsecrets/status', 'clusterexternalsecrets/finalizers', 'pushsecrets/status', 'pushsecrets/finalizers'], verbs: ['get', 'update', 'patch'] },
      { apiGroups: ESO, resources: ['externalsecrets'], verbs: ['create', 'delete'] },
      { apiGroups: ['generators.external-secrets.io'], resources: ['acraccesstokens', 'ecrauthorizationtokens', 'fakes', 'gcraccesstokens', 'githubaccesstokens', 'passwords', 'vaultdynamicsecrets', 'webhooks', 'uuids'], verbs: read },
      { apiGroups: [''], resources: ['secrets'], verbs: [...read, 'create', 'update', 'delete', 'patch'] },
      { apiGroups: [''], resources: ['configmaps', 'namespaces', 'serviceaccounts'], verbs: read },
      // Vault Kubernetes auth: the controller asks for a token of the store's ServiceAccount.
      { apiGroups: [''], resources: ['serviceaccounts/token'], verbs: ['create'] },
      { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] },
    ],
  },
};

const webhook: Workload = {
  name: 'webhook',
  kind: 'Deployment',
  image,
  args: ['webhook', '--port=10250', `--dns-name=${webhookName}.external-secrets.svc`, '--cert-dir=/tmp/certs', '--check-interval=5m', '--metrics-addr=:8080', '--healthz-addr=:8081'],
  ports: [
    { name: 'webhook', port: 10250 },
    { name: 'metrics', port: 8080 },
    { name: 'healthz', port: 8081, internal: true },
  ],
  probes: httpProbes('/readyz', 'healthz', { liveness: { initialDelaySeconds: 20 }, readiness: { initialDelaySeconds: 20 } }),
  resources: small,
  replicas: ha,
  volumes: [{ name: 'certs', secret: webhookName }],
  mounts: [{ name: 'certs', mountPath: '/tmp/certs', readOnly: true }],
  security,
};

const certController: Workload = {
  name: 'cert-controller',
  kind: 'Deployment',
  image,
  args: ['certcontroller', '--crd-requeue-interval=5m', `--service-name=${webhookName}`, '--service-namespace=external-secrets', `--secret-name=${webhookName}`, '--secret-namespace=external-secrets', '--metrics-addr=:8080', '--healthz-addr=:8081', '--enable-leader-election=true'],
  ports: [
    { name: 'metrics', port: 8080 },
    { name: 'healthz', port: 8081, internal: true },
  ],
  probes: httpProbes('/readyz', 'healthz', { liveness: { initialDelaySeconds: 20 }, readiness: { initialDelaySeconds: 20 } }),
  ...shared,
  serviceAccount: {
    automountToken: true,
    clusterRules: [
      // Injects the webhook CA into the CRDs' conversion config and the webhook configurations.
      { apiGroups: ['apiextensions.k8s.io'], resources: ['customresourcedefinitions'], verbs: [...read, 'update', 'patch'] },
      { apiGroups: ['admissionregistration.k8s.io'], resources: ['validatingwebhookconfigurations'], verbs: [...read, 'update', 'patch'] },
      { apiGroups: [''], resources: ['endpoints'], verbs: read },
      { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: read },
      { apiGroups: [''], resources: ['secrets'], verbs: [...read, 'update', 'patch'], resourceNames: [webhookName] },
      { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
      { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] },
    ],
  },
};

const validating = (resource: string, path: string) => ({
  name: `validate.${resource}.external-secrets.io`,
  admissionReviewVersions: ['v1'],
  sideEffects: 'None',
  failurePolicy: 'Fail',
  timeoutSeconds: 5,
  clientConfig: { service: { name: webhookName, namespace: 'external-secrets', path, port: 10250 } },
  rules: [{ apiGroups: ['external-secrets.io'], apiVersions: ['v1beta1'], operations: ['CREATE', 'UPDATE', 'DELETE'], resources: [resource], scope: '*' }],
});

export const service = defineService({
  name: 'external-secrets',
  namespace: 'external-secrets',
  layer: 'controllers',
  description: 'External Secrets Operator: turns Vault references (ExternalSecret) into Kubernetes Secrets',
  crds: { source: 'external-secrets' },
  workloads: [controller, webhook, certController],
  monitoring: { workload: 'controller', port: 'metrics', path: '/metrics' },
  network: {
    ingress: [{ workloads: ['webhook'], peer: { cidr: '0.0.0.0/0' }, ports: ['webhook'] }],
    egress: [
      egress.kubeApi('controller', 'cert-controller'),
      egress.vault('controller'),
    ],
  },
  extraObjects: () => [
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingWebhookConfiguration',
      // caBundle is injected by the cert-controller; Flux leaves fields it does not own alone.
      metadata: { name: 'externalsecret-validate', labels: { 'app.kubernetes.io/name': 'external-secrets', 'app.kubernetes.io/part-of': '254carbon', 'external-secrets.io/component': 'webhook' } },
      webhooks: [validating('externalsecrets', '/validate-external-secrets-io-v1beta1-externalsecret')],
    },
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingWebhookConfiguration',
      metadata: { name: 'secretstore-validate', labels: { 'app.kubernetes.io/name': 'external-secrets', 'app.kubernetes.io/part-of': '254carbon', 'external-secrets.io/component': 'webhook' } },
      webhooks: [
        validating('secretstores', '/validate-external-secrets-io-v1beta1-secretstore'),
        validating('clustersecretstores', '/validate-external-secrets-io-v1beta1-clustersecretstore'),
      ],
    },
  ],
});
