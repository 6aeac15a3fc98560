import type { ClusterFacts } from '@carbon/platform';
import type { FluxKustomization, ManifestObject, RenderedObject } from '@carbon/render';
import { clusterChecks, emitter, environmentChecks, fluxChecks, workloadChecks, type ClusterView, type Finding } from '../src/index.ts';

export const clone = <T>(x: T): T => structuredClone(x);

export function ro(object: Record<string, unknown>, i = 0): RenderedObject {
  return { object: object as ManifestObject, documentIndex: i, kustomization: 'flux-system/apps' };
}

/** Runs the policy (and optionally environment) checks over inline objects. */
export function check(objects: Record<string, unknown>[], opts: { facts?: ClusterFacts; kustomizations?: FluxKustomization[]; env?: boolean; registry?: string } = {}): Finding[] {
  const out: Finding[] = [];
  const emit = emitter('test', out);
  const view: ClusterView = { cluster: 'test', objects: objects.map(ro), kustomizations: opts.kustomizations ?? [], ...(opts.facts ? { facts: opts.facts } : {}), registry: opts.registry ?? 'harbor.example.com' };
  workloadChecks(view, emit);
  clusterChecks(view, emit);
  fluxChecks(view, emit);
  if (opts.env) environmentChecks(view, emit);
  return out;
}

export const ids = (fs: Finding[]) => [...new Set(fs.map((f) => f.id))].sort();

export function facts(nodes: { name: string; cpu: string; memory: string; labels?: Record<string, string>; storage?: string }[], namespaces: Record<string, { cpu: string; memory: string; limCpu?: string; limMem?: string; pods?: number; storage?: string; pvcs?: number }> = {}): ClusterFacts {
  return {
    name: 'test',
    role: nodes.length > 1 ? 'production' : 'staging',
    sourcing: 'branch',
    domain: 'example.com',
    registry: { host: 'harbor.example.com', projects: { 'docker.io': 'dockerhub' } },
    git: { url: 'ssh://git@example.com/x.git', branch: 'main', secretRef: 'flux-system' },
    nodes: nodes.map((n) => ({ name: n.name, allocatable: { cpu: n.cpu, memory: n.memory, pods: 110 }, storage: n.storage ?? '100Gi', labels: n.labels ?? {} })),
    namespaces: Object.entries(namespaces).map(([name, q]) => ({
      name,
      quota: { requests: { cpu: q.cpu, memory: q.memory }, limits: { cpu: q.limCpu ?? '100', memory: q.limMem ?? '1000Gi' }, pods: q.pods ?? 100, storage: q.storage ?? '1000Gi', persistentVolumeClaims: q.pvcs ?? 100 },
      limitRange: { defaultRequest: { cpu: '50m', memory: '64Mi' }, default: { cpu: '500m', memory: '512Mi' }, max: { cpu: '100', memory: '1000Gi' } },
    })),
    file: 'clusters/test/cluster.yaml',
  };
}

/** A Deployment that passes every policy check. */
export function goodDeployment(name = 'web', ns = 'web', extra: { replicas?: number; cpu?: string; memory?: string } = {}): Record<string, any> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns },
    spec: {
      replicas: extra.replicas ?? 2,
      selector: { matchLabels: { app: name } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          automountServiceAccountToken: false,
          securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
          affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: name } } }] } },
          containers: [
            {
              name,
              image: 'harbor.example.com/dockerhub/nginx:1.27',
              securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
              resources: { requests: { cpu: extra.cpu ?? '100m', memory: extra.memory ?? '128Mi' }, limits: { cpu: extra.cpu ?? '200m', memory: extra.memory ?? '256Mi' } },
              livenessProbe: { httpGet: { path: '/', port: 8080 } },
              readinessProbe: { httpGet: { path: '/', port: 8080 } },
              env: [{ name: 'MODE', value: 'prod' }, { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } }],
              ports: [{ containerPort: 8080 }],
            },
          ],
        },
      },
    },
  };
}

/** A namespace with everything around the good Deployment: policies, Service, Ingress, PDB, HPA, RBAC, ExternalSecret. */
export function goodSet(): Record<string, any>[] {
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'web' } },
    { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'default-deny-all', namespace: 'web' }, spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] } },
    { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'allow-web', namespace: 'web' }, spec: { podSelector: { matchLabels: { app: 'web' } }, ingress: [{}] } },
    goodDeployment(),
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'web' }, spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'web', namespace: 'web' },
      spec: { tls: [{ hosts: ['web.example.com'], secretName: 'web-tls' }], rules: [{ host: 'web.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] },
    },
    { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'web', namespace: 'web' }, spec: { maxUnavailable: 1, selector: { matchLabels: { app: 'web' } } } },
    {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'web', namespace: 'web' },
      spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 2, maxReplicas: 4, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }] },
    },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'reader', namespace: 'web' }, rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }] },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'reader', namespace: 'web' }, roleRef: { kind: 'Role', name: 'reader', apiGroup: 'rbac.authorization.k8s.io' }, subjects: [{ kind: 'ServiceAccount', name: 'web' }] },
    { apiVersion: 'external-secrets.io/v1beta1', kind: 'ClusterSecretStore', metadata: { name: 'vault' }, spec: { provider: { fake: { data: [] } } } },
    { apiVersion: 'external-secrets.io/v1beta1', kind: 'ExternalSecret', metadata: { name: 'db', namespace: 'web' }, spec: { secretStoreRef: { kind: 'ClusterSecretStore', name: 'vault' }, data: [] } },
  ];
}

export function ks(name: string, extra: Partial<FluxKustomization> = {}): FluxKustomization {
  return {
    name,
    namespace: 'flux-system',
    path: `apps/${name}`,
    pathExists: true,
    dependsOn: [],
    sourceRef: { kind: 'GitRepository', name: 'flux-system', namespace: 'flux-system', mode: 'worktree' },
    definedIn: { file: `clusters/test/${name}.yaml`, line: 1 },
    spec: { interval: '10m', timeout: '5m' },
    objects: [],
    ...extra,
  };
}

/** A clusters/<name>/cluster.yaml document (as written by hand) for repo fixtures: one quota and limit range per namespace. */
export function clusterFactsDocument(nodes: Array<{ name: string; cpu: string; memory: string }>, namespaces: Record<string, { quota: Record<string, unknown>; limitRange: Record<string, unknown> }>): Record<string, unknown> {
  return {
    apiVersion: 'platform.254carbon.com/v1alpha1',
    kind: 'ClusterFacts',
    metadata: { name: 'test' },
    spec: {
      role: 'staging',
      sourcing: 'branch',
      domain: 'example.com',
      registry: { host: 'harbor.example.com', projects: { 'docker.io': 'dockerhub' } },
      git: { url: 'ssh://git@example.com/x.git', branch: 'main', secretRef: 'flux-system' },
      nodes: nodes.map((n) => ({ name: n.name, allocatable: { cpu: n.cpu, memory: n.memory, pods: 110 }, storage: '100Gi', labels: {} })),
      namespaces,
    },
  };
}
