import { byCluster, defineService, egress, httpProbes, resources } from '@carbon/platform';
import { commonLabels, INGRESS_CLASS } from '@carbon/manifests';

const CONTROLLER_CLASS = 'k8s.io/ingress-nginx';
const ELECTION_ID = 'ingress-nginx-leader';
const read = ['get', 'list', 'watch'];

/*
 * The admission webhook (ingress-nginx-admission) is left out on purpose: it only pre-validates
 * Ingress objects that the generator already builds from typed definitions, and it would need its
 * own certificate Jobs plus a failurePolicy that can block every Ingress apply when the controller
 * is down. A bad Ingress still surfaces as a controller reload error in logs and metrics.
 */
export const service = defineService({
  name: 'ingress-nginx',
  namespace: 'ingress-nginx',
  layer: 'controllers',
  description: 'NGINX Ingress controller (class "nginx"): the Cloudflare Tunnel sends every public hostname here',
  workloads: [
    {
      // Object name ingress-nginx-controller: the tunnel targets ingress-nginx-controller.ingress-nginx.svc:443.
      name: 'controller',
      kind: 'Deployment',
      image: { upstream: 'registry.k8s.io/ingress-nginx/controller', tag: 'v1.11.3' },
      args: [
        '/nginx-ingress-controller',
        `--election-id=${ELECTION_ID}`,
        `--controller-class=${CONTROLLER_CLASS}`,
        `--ingress-class=${INGRESS_CLASS}`,
        '--watch-ingress-without-class=false',
        '--configmap=$(POD_NAMESPACE)/ingress-nginx-controller',
        // Unprivileged listen ports; the Service still answers on 80/443.
        '--http-port=8080',
        '--https-port=8443',
        '--enable-metrics=true',
      ],
      env: {
        POD_NAME: { fieldPath: 'metadata.name' },
        POD_NAMESPACE: { fieldPath: 'metadata.namespace' },
        LD_PRELOAD: '/usr/local/lib/libmimalloc.so',
      },
      ports: [
        { name: 'http', port: 8080, servicePort: 80 },
        { name: 'https', port: 8443, servicePort: 443 },
        { name: 'metrics', port: 10254 },
      ],
      probes: httpProbes('/healthz', 'metrics', { liveness: { initialDelaySeconds: 10, failureThreshold: 5 }, readiness: { initialDelaySeconds: 10 } }),
      resources: byCluster(resources('200m/256Mi', '1/768Mi'), resources('200m/384Mi', '1/1Gi')),
      replicas: byCluster(1, 2),
      terminationGracePeriodSeconds: 60,
      security: {
        runAsUser: 101,
        runAsGroup: 82,
        readOnlyRootFilesystem: false,
        writableRootReason: 'the controller rewrites /etc/nginx/nginx.conf and its Lua state on every reload; an emptyDir over /etc/nginx would hide the modules and Lua files shipped in the image',
        addCapabilities: [
          {
            name: 'NET_BIND_SERVICE',
            reason: 'the nginx binary carries the file capability cap_net_bind_service+ep; the kernel refuses to exec it when that capability is outside the bounding set, even though it listens on 8080/8443',
          },
        ],
      },
      serviceAccount: {
        automountToken: true,
        // Per upstream deploy/static/provider/cloud (v1.11): namespaced leader election and config.
        rules: [
          { apiGroups: [''], resources: ['namespaces'], verbs: ['get'] },
          { apiGroups: [''], resources: ['configmaps', 'pods', 'secrets', 'endpoints', 'services'], verbs: read },
          { apiGroups: ['networking.k8s.io'], resources: ['ingresses', 'ingressclasses'], verbs: read },
          { apiGroups: ['networking.k8s.io'], resources: ['ingresses/status'], verbs: ['update'] },
          { apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: [ELECTION_ID], verbs: ['get', 'update'] },
          { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
          { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
          { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: read },
        ],
        // Cluster-wide: Ingresses, their Services/EndpointSlices and TLS Secrets live in every namespace.
        clusterRules: [
          { apiGroups: [''], resources: ['configmaps', 'endpoints', 'nodes', 'pods', 'secrets', 'namespaces'], verbs: ['list', 'watch'] },
          { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['list', 'watch'] },
          { apiGroups: [''], resources: ['nodes'], verbs: ['get'] },
          { apiGroups: [''], resources: ['services'], verbs: read },
          { apiGroups: ['networking.k8s.io'], resources: ['ingresses', 'ingressclasses'], verbs: read },
          { apiGroups: ['networking.k8s.io'], resources: ['ingresses/status'], verbs: ['update'] },
          { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
          { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: read },
        ],
      },
    },
  ],
  monitoring: { workload: 'controller', port: 'metrics', path: '/metrics' },
  network: {
    // cloudflared sends to https only (its egress: 8443); no http allow that nothing uses.
    ingress: [{ workloads: ['controller'], peer: { service: 'cloudflared' }, ports: ['https'] }],
    egress: [egress.kubeApi()],
  },
  extraObjects: ({ namespace, service }) => [
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'IngressClass',
      metadata: { name: INGRESS_CLASS, labels: commonLabels(service, 'controller') },
      spec: { controller: CONTROLLER_CLASS },
    },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'ingress-nginx-controller', namespace, labels: commonLabels(service, 'controller') },
      data: {
        // Ingress objects come from typed definitions: no raw nginx snippets.
        'allow-snippet-annotations': 'false',
        // cloudflared is the only client; it sets X-Forwarded-For to the real visitor.
        'use-forwarded-headers': 'true',
        'ssl-protocols': 'TLSv1.2 TLSv1.3',
      },
    },
    {
      // The controller proxies to every public backend, in whatever namespace and port it has; each
      // backend's own policy admits only its public port from this namespace (buildNetworkPolicies).
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'ingress-nginx-controller-backends', namespace, labels: commonLabels(service, 'controller') },
      spec: {
        podSelector: { matchLabels: { 'app.kubernetes.io/name': service, 'app.kubernetes.io/component': 'controller' } },
        policyTypes: ['Egress'],
        egress: [{ to: [{ namespaceSelector: {} }] }],
      },
    },
  ],
});
