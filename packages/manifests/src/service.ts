import {
  workloadObjectName,
  type BackupTarget,
  type ClusterFacts,
  type PublicRoute,
  type ResolvedSlo,
  type ServiceDefinition,
  type TeamRouting,
} from '@carbon/platform';
import { buildNetworkPolicies, type NamespaceOf } from './network.ts';
import { commonLabels, obj, selectorLabels, type K8sObject } from './objects.ts';
import { sloOf, sloRule } from './slo.ts';
import { buildWorkload } from './workload.ts';

export const CLUSTER_ISSUER = 'letsencrypt-prod';
export const SECRET_STORE = 'vault';
export const VELERO_NAMESPACE = 'velero';
export const SCRAPE_LABEL = 'monitoring.254carbon.com/scrape';
export const INGRESS_CLASS = 'nginx';

export interface RenderInput {
  cluster: ClusterFacts;
  namespaceOf: NamespaceOf;
  publicRoutes: PublicRoute[];
  /** Every service's backup policy (see backupTargetsOf); only the velero service uses it. */
  backups?: BackupTarget[];
  /** Every public endpoint's SLO (see slosOf); Grafana renders their dashboards. */
  slos?: ResolvedSlo[];
  /** Teams and their namespaces (see teamsOf); the prometheus service renders Alertmanager's routes. */
  teams?: TeamRouting[];
  /** CRDs of a pinned source (from @carbon/toolchain); absent in pure unit tests. */
  crds?: (source: string) => K8sObject[];
}

export function fqdn(host: string, domain: string): string {
  return host === '@' ? domain : `${host}.${domain}`;
}

export function publicRoutesOf(services: ServiceDefinition[], cluster: ClusterFacts): PublicRoute[] {
  return services
    .flatMap((s) =>
      (s.public ?? []).map((p) => ({
        service: s.name,
        namespace: s.namespace,
        fqdn: fqdn(p.host, cluster.domain),
        backendTls: p.backendTls === true,
        catalog: p.catalog,
      })),
    )
    .sort((a, b) => a.fqdn.localeCompare(b.fqdn));
}

/** Everything one service deploys on one cluster, in a stable order. */
export function renderService(svc: ServiceDefinition, input: RenderInput): K8sObject[] {
  const { cluster } = input;
  const out: K8sObject[] = [];
  if (svc.crds) {
    if (!input.crds) throw new Error(`service ${svc.name} ships CRDs from "${svc.crds.source}" but no CRD source was given`);
    out.push(...input.crds(svc.crds.source));
  }
  for (const s of svc.secrets ?? []) out.push(externalSecret({ namespace: svc.namespace, service: svc.name }, s.name, s.data, s.type));
  for (const w of svc.workloads) out.push(...buildWorkload(svc, w, cluster, input.publicRoutes));
  out.push(...buildNetworkPolicies(svc, input.namespaceOf));
  if (svc.monitoring && 'workload' in svc.monitoring) {
    const m = svc.monitoring;
    out.push(
      obj('monitoring.coreos.com/v1', 'ServiceMonitor', { name: svc.name, namespace: svc.namespace, labels: { ...commonLabels(svc.name), [SCRAPE_LABEL]: 'true' } }, {
        spec: {
          selector: {
            matchLabels: selectorLabels(svc.name, m.workload),
            matchExpressions: [{ key: HEADLESS_LABEL, operator: 'DoesNotExist' }],
          },
          namespaceSelector: { matchNames: [svc.namespace] },
          endpoints: [
            {
              port: m.port,
              path: m.path ?? '/metrics',
              interval: m.interval ?? '30s',
              ...(m.honorLabels ? { honorLabels: true } : {}),
              ...(m.nodeLabel ? { relabelings: [{ action: 'replace', sourceLabels: ['__meta_kubernetes_pod_node_name'], targetLabel: 'node' }] } : {}),
            },
          ],
        },
      }),
    );
  }
  for (const [i, p] of (svc.public ?? []).entries()) {
    const host = fqdn(p.host, cluster.domain);
    const name = (svc.public ?? []).length === 1 ? svc.name : `${svc.name}-${i === 0 ? 'main' : p.host}`;
    const backend = workloadObjectName(svc.name, p.workload);
    out.push(
      obj('cert-manager.io/v1', 'Certificate', { name, namespace: svc.namespace, labels: commonLabels(svc.name) }, {
        spec: {
          secretName: `${name}-tls`,
          dnsNames: [host],
          issuerRef: { group: 'cert-manager.io', kind: 'ClusterIssuer', name: CLUSTER_ISSUER },
          privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' },
        },
      }),
    );
    out.push(
      obj('networking.k8s.io/v1', 'Ingress', {
        name,
        namespace: svc.namespace,
        labels: commonLabels(svc.name),
        annotations: {
          'nginx.ingress.kubernetes.io/ssl-redirect': 'true',
          ...(p.backendTls ? { 'nginx.ingress.kubernetes.io/backend-protocol': 'HTTPS' } : {}),
          ...(p.maxBodySize !== undefined ? { 'nginx.ingress.kubernetes.io/proxy-body-size': p.maxBodySize } : {}),
        },
      }, {
        spec: {
          ingressClassName: INGRESS_CLASS,
          tls: [{ hosts: [host], secretName: `${name}-tls` }],
          rules: [
            {
              host,
              http: { paths: [{ path: p.path ?? '/', pathType: 'Prefix', backend: { service: { name: backend, port: { name: p.port } } } }] },
            },
          ],
        },
      }),
    );
    // The host's SLO comes from the same declaration as its Ingress.
    const slo = sloOf(svc, p, i, cluster);
    if (slo) out.push(sloRule(slo, cluster));
  }
  // A service's `backup` becomes a Schedule rendered by the velero service (see backupSchedule).
  if (svc.extraObjects) {
    out.push(...(svc.extraObjects({ cluster, namespace: svc.namespace, service: svc.name, publicRoutes: input.publicRoutes, backups: input.backups ?? [], slos: input.slos ?? [], teams: input.teams ?? [] }) as K8sObject[]));
  }
  return out.map((o) => markHeadless(o));
}

/** Every declared backup policy, for the velero service to turn into Schedules. */
export function backupTargetsOf(services: ServiceDefinition[]): BackupTarget[] {
  return services
    .filter((s) => s.backup)
    .map((s) => ({ service: s.name, namespace: s.namespace, schedule: s.backup!.schedule, ttl: s.backup!.ttl }))
    .sort((a, b) => a.service.localeCompare(b.service));
}

/** The Velero Schedule for one service's backup: its labelled objects and, through kopia, its volumes. */
export function backupSchedule(t: BackupTarget): K8sObject {
  return obj('velero.io/v1', 'Schedule', { name: t.service, namespace: VELERO_NAMESPACE, labels: commonLabels(t.service) }, {
    spec: {
      schedule: t.schedule,
      useOwnerReferencesInBackup: false,
      template: {
        includedNamespaces: [t.namespace],
        labelSelector: { matchLabels: { 'app.kubernetes.io/name': t.service } },
        ttl: t.ttl,
        snapshotVolumes: false,
        defaultVolumesToFsBackup: true,
        storageLocation: 'default',
      },
    },
  });
}

export const HEADLESS_LABEL = 'platform.254carbon.com/headless';

function markHeadless(o: K8sObject): K8sObject {
  if (o.kind === 'Service' && (o.spec as { clusterIP?: string } | undefined)?.clusterIP === 'None') {
    o.metadata.labels = { ...(o.metadata.labels ?? {}), [HEADLESS_LABEL]: 'true' };
  }
  return o;
}

/** A Secret that External Secrets fills from Vault (`path#property` per key): the only way a credential reaches a pod. */
export function externalSecret(svc: { namespace: string; service: string }, name: string, data: Record<string, string>, type?: string): K8sObject {
  return obj('external-secrets.io/v1beta1', 'ExternalSecret', { name, namespace: svc.namespace, labels: commonLabels(svc.service) }, {
    spec: {
      refreshInterval: '1h',
      secretStoreRef: { kind: 'ClusterSecretStore', name: SECRET_STORE },
      target: { name, creationPolicy: 'Owner', ...(type && type !== 'Opaque' ? { template: { type } } : {}) },
      data: Object.entries(data)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([secretKey, ref]) => {
          const [key, property] = ref.split('#');
          return { secretKey, remoteRef: { key, property } };
        }),
    },
  });
}

/** Which service provides an API group or kind; a service using it depends on that provider. */
const PROVIDERS: { match: (o: K8sObject) => boolean; services: string[] }[] = [
  { match: (o) => o.apiVersion.startsWith('cert-manager.io/'), services: ['cert-manager'] },
  { match: (o) => o.kind === 'Certificate', services: ['cluster-issuers'] },
  { match: (o) => o.apiVersion.startsWith('monitoring.coreos.com/'), services: ['prometheus-operator'] },
  { match: (o) => o.apiVersion.startsWith('external-secrets.io/'), services: ['external-secrets'] },
  { match: (o) => o.kind === 'ExternalSecret', services: ['secret-store'] },
  { match: (o) => o.apiVersion.startsWith('velero.io/'), services: ['velero'] },
  { match: (o) => o.kind === 'Ingress', services: ['ingress-nginx'] },
];

/** Flux dependsOn for a service: what it declares plus the providers of the kinds it renders. */
export function dependenciesOf(svc: ServiceDefinition, rendered: K8sObject[], known: Set<string>): string[] {
  const deps = new Set(svc.dependsOn ?? []);
  const ownCrdKinds = new Set(rendered.filter((o) => o.kind === 'CustomResourceDefinition').map((o) => (o.spec as { group: string }).group));
  for (const o of rendered) {
    const group = o.apiVersion.split('/')[0] ?? '';
    if (ownCrdKinds.has(group)) continue;
    for (const p of PROVIDERS) if (p.match(o)) for (const s of p.services) deps.add(s);
  }
  deps.delete(svc.name);
  return [...deps].filter((d) => known.has(d)).sort();
}
