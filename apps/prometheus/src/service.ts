import { byCluster, defineService, everywhere, forCluster, resources, type PerCluster, type Resources } from '@carbon/platform';
import {
  alertmanagerConfig,
  alertmanagerResource,
  commonLabels,
  externalSecret,
  fluxPodMonitor,
  kubeletServiceMonitor,
  operatedDisruptionBudget,
  operatedSelector,
  operatedService,
  platformAlertRule,
  prometheusResource,
  receiverSecretData,
  RECEIVERS_SECRET,
  serviceMonitorFor,
} from '@carbon/manifests';

const prometheusImage = { upstream: 'quay.io/prometheus/prometheus', tag: 'v2.55.1' };
const alertmanagerImage = { upstream: 'quay.io/prometheus/alertmanager', tag: 'v0.27.0' };
// Both images run as nobody.
const NOBODY = 65534;

const replicas = byCluster(1, 2);
const prometheusResources = byCluster(resources('400m/1536Mi', '1/3Gi'), resources('400m/2Gi', '1/4Gi'));
const alertmanagerResources = everywhere(resources('50m/96Mi', '200m/256Mi'));
const storage = { prometheus: byCluster('20Gi', '50Gi'), alertmanager: everywhere('1Gi') };
// retentionSize stays below the volume so compaction never fills it.
const retention: PerCluster<{ time: string; size: string }> = {
  'single-node': { time: '7d', size: '16GB' },
  'multi-node': { time: '15d', size: '42GB' },
};

// The operator injects prometheus-config-reloader into each pod with its default 10m / 50Mi (request = limit).
const RELOADER = { cpu: 10, memoryMi: 50 };
function withReloader(r: Resources): Resources {
  const cpu = (q: string) => `${(q.endsWith('m') ? Number(q.slice(0, -1)) : Number(q) * 1000) + RELOADER.cpu}m`;
  const mem = (q: string) => `${(q.endsWith('Gi') ? Number(q.slice(0, -2)) * 1024 : Number(q.slice(0, -2))) + RELOADER.memoryMi}Mi`;
  return { requests: { cpu: cpu(r.requests.cpu), memory: mem(r.requests.memory) }, limits: { cpu: cpu(r.limits.cpu), memory: mem(r.limits.memory) } };
}
function perPod(r: PerCluster<Resources>): PerCluster<Resources> {
  return Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v ? withReloader(v) : v]));
}

const NAME = 'prometheus';
const AM = 'alertmanager';
const read = ['get', 'list', 'watch'];

/*
 * No Velero schedule: the TSDB is a rolling window of scrapes that a restore could not make whole
 * again (the gap since the backup is lost anyway); the HA pair on multi-node covers a lost volume.
 */
export const service = defineService({
  name: 'prometheus',
  namespace: 'monitoring',
  layer: 'apps',
  description: 'Prometheus and Alertmanager run by prometheus-operator; scrape every ServiceMonitor labelled for scraping',
  workloads: [],
  extraImages: [prometheusImage, alertmanagerImage],
  operatedPods: [
    { name: 'prometheus', replicas, resources: perPod(prometheusResources) },
    { name: 'alertmanager', replicas, resources: perPod(alertmanagerResources) },
  ],
  monitoring: { none: 'operator-managed pods, not workloads: scraped through the ServiceMonitors in extraObjects' },
  extraObjects: ({ cluster, namespace, service, backups, teams }) => {
    const n = forCluster(replicas, cluster.name)!;
    const ret = forCluster(retention, cluster.name)!;
    const prom = { name: NAME, namespace, service, replicas: n };
    const am = { name: AM, namespace, service, replicas: n };
    const grafana = { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'grafana' } } };
    const promPods = { podSelector: { matchLabels: operatedSelector('prometheus', NAME) } };
    const amPods = { podSelector: { matchLabels: operatedSelector('alertmanager', AM) } };
    const tcp = (...ports: (number | string)[]) => ports.map((port) => ({ protocol: 'TCP', port }));
    return [
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: NAME, namespace, labels: commonLabels(service, 'prometheus') }, automountServiceAccountToken: true },
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: AM, namespace, labels: commonLabels(service, 'alertmanager') }, automountServiceAccountToken: false },
      {
        // Service discovery only (per upstream example/rbac/prometheus): read targets, never Secrets.
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: NAME, labels: commonLabels(service, 'prometheus') },
        rules: [
          { apiGroups: [''], resources: ['nodes', 'nodes/metrics', 'services', 'endpoints', 'pods'], verbs: read },
          { apiGroups: [''], resources: ['configmaps'], verbs: ['get'] },
          { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: read },
          { apiGroups: ['networking.k8s.io'], resources: ['ingresses'], verbs: read },
        ],
      },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: NAME, labels: commonLabels(service, 'prometheus') },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: NAME },
        subjects: [{ kind: 'ServiceAccount', name: NAME, namespace }],
      },
      prometheusResource(
        {
          ...prom,
          image: prometheusImage,
          resources: forCluster(prometheusResources, cluster.name)!,
          uid: NOBODY,
          serviceAccountName: NAME,
          storageSize: forCluster(storage.prometheus, cluster.name)!,
          retention: ret.time,
          retentionSize: ret.size,
          alertmanager: { service: AM, port: 'web' },
        },
        cluster,
      ),
      alertmanagerResource(
        {
          ...am,
          image: alertmanagerImage,
          resources: forCluster(alertmanagerResources, cluster.name)!,
          uid: NOBODY,
          serviceAccountName: AM,
          storageSize: forCluster(storage.alertmanager, cluster.name)!,
          config: AM,
        },
        cluster,
      ),
      // Routing from the definitions' teams; receivers' credentials come from Vault, never git.
      alertmanagerConfig({ name: AM, namespace, service }, teams ?? []),
      externalSecret({ namespace, service }, RECEIVERS_SECRET, receiverSecretData(teams ?? [])),
      platformAlertRule({ name: 'platform-alerts', namespace, service }, cluster, backups ?? []),
      kubeletServiceMonitor({ namespace, service }),
      fluxPodMonitor({ service }),
      operatedService('prometheus', prom, [{ name: 'web', port: 9090 }, { name: 'reloader-web', port: 8080 }]),
      operatedService('alertmanager', am, [{ name: 'web', port: 9093 }, { name: 'reloader-web', port: 8080 }]),
      ...operatedDisruptionBudget('prometheus', prom),
      ...operatedDisruptionBudget('alertmanager', am),
      serviceMonitorFor({ name: NAME, namespace, service }, { 'app.kubernetes.io/name': service, 'app.kubernetes.io/component': 'prometheus' }, [{ port: 'web' }, { port: 'reloader-web' }]),
      serviceMonitorFor({ name: AM, namespace, service }, { 'app.kubernetes.io/name': service, 'app.kubernetes.io/component': 'alertmanager' }, [{ port: 'web' }, { port: 'reloader-web' }]),
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: NAME, namespace, labels: commonLabels(service, 'prometheus') },
        spec: {
          podSelector: { matchLabels: operatedSelector('prometheus', NAME) },
          policyTypes: ['Ingress', 'Egress'],
          ingress: [
            { from: [grafana], ports: tcp(9090) },
            // Self-scrape (both replicas) of the server and its config-reloader.
            { from: [promPods], ports: tcp(9090, 8080) },
          ],
          egress: [
            // Scrape targets live in every namespace on their own metrics ports; each target's policy
            // admits only its metrics port from this namespace (buildNetworkPolicies).
            { to: [{ namespaceSelector: {} }] },
            // Kubernetes service discovery; the API server's address is not known to the generator.
            { to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: tcp(443, 6443) },
            // Kubelets (volume usage); node addresses are not part of the cluster facts.
            { to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: tcp(10250) },
          ],
        },
      },
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: AM, namespace, labels: commonLabels(service, 'alertmanager') },
        spec: {
          podSelector: { matchLabels: operatedSelector('alertmanager', AM) },
          policyTypes: ['Ingress', 'Egress'],
          ingress: [
            { from: [promPods], ports: tcp(9093, 8080) },
            { from: [grafana], ports: tcp(9093) },
            // Cluster gossip between replicas.
            { from: [amPods], ports: [...tcp(9094), { protocol: 'UDP', port: 9094 }] },
          ],
          egress: [
            { to: [amPods], ports: [...tcp(9094), { protocol: 'UDP', port: 9094 }] },
            // Receivers: PagerDuty's and Slack's HTTPS APIs.
            { to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: tcp(443) },
          ],
        },
      },
    ];
  },
});
