import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkService, loadClusters, type ServiceDefinition, type Workload } from '@carbon/platform';
import {
  alertmanagerResource,
  backupSchedule,
  backupTargetsOf,
  buildWorkload,
  operatedDisruptionBudget,
  prometheusResource,
  renderService,
  type K8sObject,
} from '../src/index.ts';

const root = join(import.meta.dirname, '../../..');
const clusters = await loadClusters(root);
const single = clusters.find((c) => c.name === 'single-node')!;
const multi = clusters.find((c) => c.name === 'multi-node')!;

const resources = { default: { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '100m', memory: '32Mi' } } };
const base: Workload = {
  name: 'web',
  kind: 'Deployment',
  image: { upstream: 'docker.io/library/nginx', tag: '1.27' },
  ports: [{ name: 'https', port: 8443, servicePort: 443 }],
  probes: { liveness: { tcp: 'https' }, readiness: { tcp: 'https' } },
  resources,
  replicas: { default: 2 },
  volumes: [{ name: 'plugins', emptyDir: { sizeLimit: '64Mi' } }],
  initContainers: [
    {
      name: 'copy-plugin',
      image: { upstream: 'docker.io/velero/velero-plugin-for-aws', tag: 'v1.11.1' },
      mounts: [{ name: 'plugins', mountPath: '/target' }],
      resources: resources.default,
    },
  ],
  security: { runAsUser: 1000 },
};
const svc = (w: Workload, extra: Partial<ServiceDefinition> = {}): ServiceDefinition => ({
  name: 'demo',
  namespace: 'data-platform',
  layer: 'apps',
  description: 'd',
  workloads: [w],
  monitoring: { none: 'x' },
  ...extra,
});
const find = (objs: K8sObject[], kind: string) => objs.find((o) => o.kind === kind)!;
const problems = (d: ServiceDefinition) => checkService({ definition: d, file: 'apps/demo/src/service.ts', dir: 'demo' }, clusters).errors.map((e) => e.field);

describe('workload builder extensions', () => {
  it('exposes servicePort on the Service while the container keeps its own port', () => {
    const objs = buildWorkload(svc(base), base, single);
    const port = (find(objs, 'Service').spec as { ports: Record<string, unknown>[] }).ports[0]!;
    expect(port).toMatchObject({ name: 'https', port: 443, targetPort: 'https' });
    const pod = (find(objs, 'Deployment').spec as any).template.spec;
    expect(pod.containers[0].ports[0].containerPort).toBe(8443);
  });

  it('renders init containers from the mirror with the hardened container context', () => {
    const pod = (find(buildWorkload(svc(base), base, single), 'Deployment').spec as any).template.spec;
    expect(pod.initContainers).toHaveLength(1);
    expect(pod.initContainers[0].image).toBe('harbor.254carbon.com/dockerhub/velero/velero-plugin-for-aws:v1.11.1');
    expect(pod.initContainers[0].securityContext.capabilities.drop).toEqual(['ALL']);
    expect(pod.initContainers[0].volumeMounts).toEqual([{ name: 'plugins', mountPath: '/target' }]);
  });

  it('rejects a bad servicePort, an unpinned init image and an init mount of an undeclared volume', () => {
    const bad: Workload = {
      ...base,
      ports: [{ name: 'https', port: 8443, servicePort: 70000 }],
      initContainers: [{ ...base.initContainers![0]!, image: { upstream: 'docker.io/velero/velero-plugin-for-aws', tag: 'latest' }, mounts: [{ name: 'nope', mountPath: '/x' }] }],
    };
    expect(problems(svc(bad))).toEqual(
      expect.arrayContaining(['workloads[0].ports[0].servicePort', 'workloads[0].initContainers[0].image.tag', 'workloads[0].initContainers[0].mounts[0].name']),
    );
    expect(problems(svc(base))).toEqual([]);
  });

  it('checks operatedPods resources per cluster', () => {
    const d = svc(base, { operatedPods: [{ name: 'p', replicas: { default: 1 }, resources: { default: { requests: { cpu: '2', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } } } }] });
    expect(problems(d)).toContain('operatedPods[0].resources.default.limits.cpu');
  });
});

describe('backup schedules', () => {
  it('are not rendered by the backed-up service but handed to extraObjects as targets', () => {
    const backed = svc(base, { backup: { schedule: '0 1 * * *', ttl: '72h' } });
    const own = renderService(backed, { cluster: single, namespaceOf: () => 'data-platform', publicRoutes: [] });
    expect(own.some((o) => o.kind === 'Schedule')).toBe(false);

    const targets = backupTargetsOf([backed, svc(base, { name: 'other' })]);
    expect(targets).toEqual([{ service: 'demo', namespace: 'data-platform', schedule: '0 1 * * *', ttl: '72h' }]);
    const velero: ServiceDefinition = { ...svc(base, { name: 'velero', namespace: 'velero' }), workloads: [], extraObjects: ({ backups }) => (backups ?? []).map(backupSchedule) };
    const schedules = renderService(velero, { cluster: single, namespaceOf: () => 'velero', publicRoutes: [], backups: targets }).filter((o) => o.kind === 'Schedule');
    expect(schedules).toHaveLength(1);
    expect(schedules[0]!.metadata).toMatchObject({ name: 'demo', namespace: 'velero' });
    expect((schedules[0]!.spec as any).template.includedNamespaces).toEqual(['data-platform']);
  });
});

describe('prometheus-operator resources', () => {
  const spec = {
    name: 'prometheus',
    namespace: 'monitoring',
    service: 'prometheus',
    image: { upstream: 'quay.io/prometheus/prometheus', tag: 'v2.55.1' },
    resources: resources.default,
    uid: 65534,
    serviceAccountName: 'prometheus',
    storageSize: '10Gi',
    retention: '7d',
    retentionSize: '8GB',
  };

  it('spreads replicas across nodes only on a multi-node cluster, and adds a PDB only for 2+', () => {
    const one = prometheusResource({ ...spec, replicas: 1 }, single).spec as Record<string, any>;
    const two = prometheusResource({ ...spec, replicas: 2 }, multi).spec as Record<string, any>;
    expect(one.topologySpreadConstraints).toBeUndefined();
    expect(two.topologySpreadConstraints[0].labelSelector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'prometheus', prometheus: 'prometheus' });
    expect(two.image).toBe('harbor.254carbon.com/quay/prometheus/prometheus:v2.55.1');
    expect(two.version).toBe('2.55.1');
    expect(two.serviceMonitorSelector).toEqual({ matchLabels: { 'monitoring.254carbon.com/scrape': 'true' } });
    expect(two.securityContext.runAsNonRoot).toBe(true);
    expect(operatedDisruptionBudget('prometheus', { ...spec, replicas: 1 })).toEqual([]);
    expect(operatedDisruptionBudget('prometheus', { ...spec, replicas: 2 })).toHaveLength(1);
  });

  it('keeps the API token out of Alertmanager pods', () => {
    const am = alertmanagerResource({ ...spec, name: 'alertmanager', image: { upstream: 'quay.io/prometheus/alertmanager', tag: 'v0.27.0' }, replicas: 2 }, multi);
    expect((am.spec as any).automountServiceAccountToken).toBe(false);
    expect((am.spec as any).topologySpreadConstraints[0].labelSelector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'alertmanager', alertmanager: 'alertmanager' });
  });
});
