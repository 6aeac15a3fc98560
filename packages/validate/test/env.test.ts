import { describe, expect, it } from 'vitest';
import { capacity, placementViolations, type ClusterView } from '../src/index.ts';
import { check, facts, goodDeployment, ids, ro } from './helpers.ts';

const dep = (name: string, replicas: number, cpu: string, memory: string, ns = 'data-platform', spec: Record<string, any> = {}) => {
  const d = goodDeployment(name, ns, { replicas, cpu, memory });
  Object.assign(d.spec.template.spec, spec);
  return d;
};
const noAnti = (d: Record<string, any>) => {
  delete d.spec.template.spec.affinity;
  return d;
};
const envIds = (objs: Record<string, any>[], f: ReturnType<typeof facts>) => ids(check(objs, { facts: f, env: true }).filter((x) => /^(CAP|PLC|RES|SNG)/.test(x.id)));
const view = (objs: Record<string, any>[], f: ReturnType<typeof facts>): ClusterView & { facts: typeof f } => ({ cluster: 'test', objects: objs.map(ro), kustomizations: [], facts: f });

describe('capacity', () => {
  const staging = facts([{ name: 'carbon-1', cpu: '16', memory: '64Gi' }], { 'data-platform': { cpu: '8', memory: '16Gi' } });

  it("the seeds' situation: 25.9 vCPU / 52 GiB requested against an 8 vCPU / 16 GiB quota fails with those figures", () => {
    const objs = [noAnti(dep('trino-worker', 3, '4', '8Gi')), dep('trino', 1, '2', '8Gi'), noAnti(dep('doris-be', 2, '4', '6Gi')), dep('datahub', 1, '3900m', '8Gi')];
    const found = check(objs, { facts: staging, env: true });
    const cap = found.find((f) => f.id === 'CAP001')!;
    expect(cap.message).toContain('requests 25.9 vCPU / 52.0 GiB against its quota of 8.0 vCPU / 16.0 GiB');
    expect(cap.message).toContain('trino-worker 3× = 12.0 vCPU');
    expect(cap).toMatchObject({ severity: 'error', file: 'clusters/test/cluster.yaml' });
    expect(ids(found)).toContain('CAP005'); // 25.9 > 16 allocatable on the node too
  });

  it('fits: no capacity finding, and the figures add up (replicas, DaemonSet × nodes, init containers, LimitRange defaults)', () => {
    const three = facts(
      [
        { name: 'a', cpu: '8', memory: '32Gi' },
        { name: 'b', cpu: '8', memory: '32Gi' },
        { name: 'c', cpu: '8', memory: '32Gi' },
      ],
      { apps: { cpu: '4', memory: '8Gi' } },
    );
    const ds: Record<string, any> = { ...dep('agent', 1, '100m', '100Mi', 'apps'), kind: 'DaemonSet' };
    delete (ds.spec as any).replicas;
    delete (ds.spec as any).strategy;
    const init = dep('migrate', 2, '100m', '128Mi', 'apps', { initContainers: [{ name: 'init', image: 'harbor.example.com/x/y:1', resources: { requests: { cpu: '500m', memory: '64Mi' } } }] });
    const bare = dep('bare', 2, '100m', '128Mi', 'apps');
    delete bare.spec.template.spec.containers[0].resources; // LimitRange defaultRequest: 50m / 64Mi
    const { report } = capacity(view([ds, init, bare], three));
    const apps = report.namespaces.find((n) => n.namespace === 'apps')!;
    // agent 3 × 100m + migrate 2 × max(100m, 500m) + bare 2 × 50m
    expect(apps.requests.cpu).toBe(300 + 1000 + 100);
    expect(apps.pods).toBe(7);
    // limits: agent 3 × 100m; migrate 2 × max(100m, init's LimitRange default 500m); bare 2 × default 500m
    expect(apps.limits.cpu).toBe(300 + 2 * 500 + 2 * 500);
    expect(envIds([ds, init, bare], three)).toEqual([]);
  });

  it('HPA maximum is "at peak": a warning when only the peak exceeds the quota', () => {
    const f = facts([{ name: 'n', cpu: '16', memory: '64Gi' }], { web: { cpu: '3', memory: '16Gi' } });
    const d = noAnti(dep('web', 2, '1', '1Gi', 'web'));
    const hpa = { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'web', namespace: 'web' }, spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' }, minReplicas: 2, maxReplicas: 5 } };
    const { report } = capacity(view([d, hpa], f));
    expect(report.namespaces.find((n) => n.namespace === 'web')!.peakRequests.cpu).toBe(5000);
    expect(report.nodes[0]).toMatchObject({ requests: { cpu: 2000 }, peakRequests: { cpu: 5000 } });
    expect(envIds([d, hpa], f)).toEqual(['CAP004']);
  });

  it('Prometheus and Alertmanager CRs count as the pods the operator creates (with the config-reloader sidecar)', () => {
    const f = facts([{ name: 'n', cpu: '16', memory: '64Gi' }], { monitoring: { cpu: '10', memory: '32Gi' } });
    const prom = { apiVersion: 'monitoring.coreos.com/v1', kind: 'Prometheus', metadata: { name: 'k8s', namespace: 'monitoring' }, spec: { replicas: 2, resources: { requests: { cpu: '1', memory: '2Gi' } } } };
    const am = { apiVersion: 'monitoring.coreos.com/v1', kind: 'Alertmanager', metadata: { name: 'main', namespace: 'monitoring' }, spec: {} };
    const { report } = capacity(view([prom, am], f));
    const m = report.namespaces.find((n) => n.namespace === 'monitoring')!;
    expect(m.pods).toBe(3);
    // Prometheus: 2 × (1000m + 10m); Alertmanager: LimitRange default 50m + 10m
    expect(m.requests.cpu).toBe(2 * 1010 + 60);
    expect(m.requests.memory).toBe(2 * (2 * 1024 ** 3 + 50 * 1024 ** 2) + 200 * 1024 ** 2 + 50 * 1024 ** 2);
  });

  it('CAP002 limits and CAP003 pod/PVC counts against the quota; CAP005 against node allocatable', () => {
    const f = facts([{ name: 'n', cpu: '4', memory: '64Gi' }], { web: { cpu: '4', memory: '8Gi', limCpu: '1', pods: 3 } });
    const d = noAnti(dep('web', 4, '500m', '256Mi', 'web')); // limits 4 × 500m = 2 > 1; 4 pods > 3
    expect(envIds([d], f)).toEqual(['CAP002', 'CAP003']);
    expect(envIds([noAnti(dep('web', 2, '500m', '256Mi', 'web'))], f)).toEqual([]);
    const big = noAnti(dep('big', 3, '2', '1Gi', 'web'));
    const roomy = facts([{ name: 'n', cpu: '4', memory: '64Gi' }], { web: { cpu: '100', memory: '100Gi', limCpu: '100' } });
    expect(envIds([big], roomy)).toEqual(['CAP005', 'PLC001']);
  });

  it('PVC sizes against the quota and the declared node storage', () => {
    const f = facts([{ name: 'n', cpu: '16', memory: '64Gi', storage: '100Gi' }], { db: { cpu: '4', memory: '8Gi', storage: '50Gi' } });
    const pvc = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: 'db' }, spec: { resources: { requests: { storage: '80Gi' } } } };
    const found = check([pvc], { facts: f, env: true }).filter((x) => x.id === 'CAP006');
    expect(found.map((x) => x.message)).toEqual(['namespace db claims 80.0 GiB of storage against a quota of 50.0 GiB']);
    const ok = { ...pvc, spec: { resources: { requests: { storage: '10Gi' } } } };
    expect(envIds([ok], f)).toEqual([]);
  });
});

describe('scheduling', () => {
  it('lists pods that cannot be placed and why (requests, anti-affinity, nodeSelector)', () => {
    const f = facts([
      { name: 'a', cpu: '4', memory: '16Gi' },
      { name: 'b', cpu: '4', memory: '16Gi' },
    ]);
    const anti = dep('web', 3, '1', '1Gi', 'web'); // required anti-affinity on hostname, 3 replicas, 2 nodes
    const sel = noAnti(dep('ssd', 1, '1', '1Gi', 'web', { nodeSelector: { disk: 'ssd' } }));
    const found = check([anti, sel], { facts: f, env: true }).filter((x) => x.id === 'PLC001');
    expect(found.map((x) => x.message).sort()).toEqual([
      'Deployment ssd: 1 of 1 pod cannot be placed — a: nodeSelector disk=ssd does not match; b: nodeSelector disk=ssd does not match',
      expect.stringMatching(/^Deployment web: 1 of 3 pods cannot be placed — a: required anti-affinity \(kubernetes.io\/hostname\) with Deployment web; b: required anti-affinity/),
    ]);
  });

  it('honours DoNotSchedule topology spread, and places everything when it fits', () => {
    const f = facts([
      { name: 'a', cpu: '4', memory: '16Gi', labels: { zone: 'z1' } },
      { name: 'b', cpu: '1', memory: '16Gi', labels: { zone: 'z2' } },
    ]);
    const spread = noAnti(dep('web', 4, '1', '1Gi', 'web', { topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'web' } } }] }));
    const { report, placement } = capacity(view([spread], f));
    // z1 takes 2, z2 (1 vCPU) takes 1; a fourth pod on z1 would be skew 2 and z2 is full.
    expect(placement.unplaceable).toHaveLength(1);
    expect(report.unplaceable[0]!.reasons.join('; ')).toMatch(/topology spread on zone \(skew 2 > maxSkew 1\)/);
    const two = noAnti(dep('web', 3, '1', '1Gi', 'web', { topologySpreadConstraints: spread.spec.template.spec.topologySpreadConstraints }));
    expect(capacity(view([two], f)).placement.unplaceable).toEqual([]);
  });

  it('claims only order-independent placement facts, and its own placement satisfies them', () => {
    const f = facts([
      { name: 'a', cpu: '4', memory: '16Gi', labels: { zone: 'z1' } },
      { name: 'b', cpu: '4', memory: '16Gi', labels: { zone: 'z2', disk: 'ssd' } },
      { name: 'c', cpu: '4', memory: '16Gi', labels: { zone: 'z3' } },
    ]);
    const spreadSpec = { topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'api' } } }] };
    const objs = [dep('web', 3, '1', '1Gi', 'web'), noAnti(dep('api', 5, '500m', '1Gi', 'web', spreadSpec)), noAnti(dep('ssd', 1, '1', '1Gi', 'web', { nodeSelector: { disk: 'ssd' } })), noAnti(dep('plain', 4, '100m', '128Mi', 'web'))];
    const { report, groups, placement, nodes } = capacity(view(objs, f));
    expect(report.placed).toBe(13);
    expect(report.rules).toEqual([
      { workload: 'Deployment web/web', pods: 3, rule: 'no two on one kubernetes.io/hostname (required anti-affinity)' },
      { workload: 'Deployment web/api', pods: 5, rule: 'spread on zone, skew ≤ 1' },
      { workload: 'Deployment web/ssd', pods: 1, rule: 'only on b (node selector/affinity)' },
    ]);
    const placed = placement.nodes.flatMap((n) => n.pods.map((p) => ({ group: p.group, node: n.name, id: `${p.group.name}-${p.index}` })));
    expect(placementViolations(groups, nodes, placed, placement.unplaceable)).toEqual([]);
    // Four api pods on a, one on b: skew 4 > 1.
    const skewed = placed.map((p) => (p.group.name === 'api' ? { ...p, node: p.id === 'api-4' ? 'b' : 'a' } : p));
    expect(placementViolations(groups, nodes, skewed, placement.unplaceable)).toContainEqual(expect.stringMatching(/^Deployment web\/api: spread on zone is \{"z1":4,"z2":1,"z3":0\}, skew 4 > maxSkew 1/));
  });
});

describe('resilience (multi-node) and single-node sanity', () => {
  const three = facts([
    { name: 'a', cpu: '4', memory: '16Gi' },
    { name: 'b', cpu: '4', memory: '16Gi' },
    { name: 'c', cpu: '4', memory: '16Gi' },
  ]);
  it('RES001: losing any node leaves pods unplaceable when each node is needed', () => {
    const big = noAnti(dep('big', 3, '3', '1Gi', 'web'));
    const found = check([big], { facts: three, env: true }).filter((x) => x.id === 'RES001');
    expect(found.map((x) => x.message)).toEqual([
      'losing node a leaves 1 pod unplaceable: big ×1 (b: insufficient cpu (needs 3.0, free 1.0))',
      'losing node b leaves 1 pod unplaceable: big ×1 (a: insufficient cpu (needs 3.0, free 1.0))',
      'losing node c leaves 1 pod unplaceable: big ×1 (a: insufficient cpu (needs 3.0, free 1.0))',
    ]);
    expect(envIds([dep('small', 2, '1', '1Gi', 'web')], three)).toEqual([]);
    // three anti-affine replicas need all three nodes: losing any one strands a replica
    expect(envIds([dep('small', 3, '1', '1Gi', 'web')], three)).toEqual(['RES001']);
  });
  it('RES002: a PDB that allows no eviction blocks a drain', () => {
    const pdb = (spec: Record<string, unknown>) => ({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'web', namespace: 'web' }, spec: { selector: { matchLabels: { app: 'web' } }, ...spec } });
    expect(envIds([dep('web', 2, '1', '1Gi', 'web'), pdb({ minAvailable: 2 })], three)).toEqual(['RES002']);
    expect(envIds([dep('web', 2, '1', '1Gi', 'web'), pdb({ minAvailable: 1 })], three)).toEqual([]);
    expect(envIds([dep('web', 2, '1', '1Gi', 'web'), pdb({ maxUnavailable: 0 })], three)).toEqual(['RES002']);
  });
  it('RES003: stateless services run at least 2 replicas; RES004: on distinct nodes', () => {
    expect(envIds([dep('web', 1, '1', '1Gi', 'web')], three)).toEqual(['RES003']);
    expect(envIds([noAnti(dep('web', 2, '1', '1Gi', 'web'))], three)).toEqual(['RES004']);
    expect(envIds([dep('web', 2, '1', '1Gi', 'web')], three)).toEqual([]);
  });
  it('RES003: a singleton that says why on its pod template is not reported; an empty reason is', () => {
    const singleton = (reason: string) => {
      const d = dep('coordinator', 1, '1', '1Gi', 'web');
      d.spec.template.metadata = { ...(d.spec.template.metadata ?? {}), annotations: { 'platform.254carbon.com/singleton-reason': reason } };
      return d;
    };
    expect(envIds([singleton('exactly one coordinator per cluster')], three)).toEqual([]);
    expect(envIds([singleton('  ')], three)).toEqual(['RES003']);
  });
  const one = facts([{ name: 'n', cpu: '16', memory: '64Gi' }]);
  it('SNG001: required anti-affinity across hostnames can never hold on one node', () => {
    expect(envIds([dep('web', 2, '1', '1Gi', 'web')], one)).toEqual(['SNG001']);
    expect(envIds([noAnti(dep('web', 2, '1', '1Gi', 'web'))], one)).toEqual([]);
  });
  it('SNG002: a PDB that blocks the only node\'s drain is reported', () => {
    const pdb = { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'web', namespace: 'web' }, spec: { minAvailable: 1, selector: { matchLabels: { app: 'web' } } } };
    expect(envIds([dep('web', 1, '1', '1Gi', 'web'), pdb], one)).toEqual(['SNG002']);
    expect(envIds([dep('web', 1, '1', '1Gi', 'web'), { ...pdb, spec: { maxUnavailable: 1, selector: pdb.spec.selector } }], one)).toEqual([]);
  });
  it('POL002: a cluster with no declared facts skips the environment checks with a notice', () => {
    expect(ids(check([], { env: true }))).toEqual(['POL002']);
  });
});
