import type { FluxKustomization, RenderedObject } from '@carbon/render';
import { describe, expect, it } from 'vitest';
import { bootstrapPatches, describePatches, unservable } from '../src/bootstrap.ts';
import type { ClusterFacts } from '@carbon/platform';
import { comparePlacement, dependsOnOrder, objectsNamedIn, renderIndex, type BoundPod, type PodCheck } from '../src/judge.ts';

const ro = (object: Record<string, any>, kustomization: string, sourceFile: string): RenderedObject => ({ object, documentIndex: 0, sourceFile, generatedFrom: `apps/${kustomization}/src/service.ts`, kustomization: `flux-system/${kustomization}` }) as RenderedObject;

const k = (name: string, objects: RenderedObject[], dependsOn: string[] = []): FluxKustomization =>
  ({ name, namespace: 'flux-system', path: `apps/${name}`, pathExists: true, dependsOn: dependsOn.map((d) => ({ name: d, namespace: 'flux-system' })), sourceRef: { kind: 'GitRepository', name: 'flux-system', namespace: 'flux-system', mode: 'worktree' }, spec: {}, objects }) as FluxKustomization;

const certManager = k('cert-manager', [
  ro({ apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration', metadata: { name: 'cert-manager-webhook' } }, 'cert-manager', 'apps/cert-manager/deploy/base/vwc.yaml'),
  ro({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'cert-manager', namespace: 'cert-manager' } }, 'cert-manager', 'apps/cert-manager/deploy/base/deployment.yaml'),
]);
const metrics = k('metrics-server', [
  ro({ apiVersion: 'apiregistration.k8s.io/v1', kind: 'APIService', metadata: { name: 'v1beta1.metrics.k8s.io' }, spec: { service: { name: 'metrics-server', namespace: 'kube-system' } } }, 'metrics-server', 'apps/metrics-server/deploy/base/apiservice.yaml'),
  // A local APIService (no service) is served by the API server itself: kept.
  ro({ apiVersion: 'apiregistration.k8s.io/v1', kind: 'APIService', metadata: { name: 'v1.local.example' }, spec: {} }, 'metrics-server', 'apps/metrics-server/deploy/base/local.yaml'),
]);

describe('bootstrap patches', () => {
  it('drops only what a pod would have to serve, naming the Kustomization and the file', () => {
    expect(unservable([certManager, metrics])).toEqual([
      { kustomization: 'cert-manager', kind: 'ValidatingWebhookConfiguration', name: 'cert-manager-webhook', file: 'apps/cert-manager/deploy/base/vwc.yaml' },
      { kustomization: 'metrics-server', kind: 'APIService', name: 'v1beta1.metrics.k8s.io', file: 'apps/metrics-server/deploy/base/apiservice.yaml' },
    ]);
  });

  it('patches each Kustomization through its parent: URLs where GitRepositories are applied, deletes where unservable objects are', () => {
    const git = ro({ apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'GitRepository', metadata: { name: 'flux-system', namespace: 'flux-system' } }, 'flux-system', 'clusters/c/flux-system/gotk-sync.yaml');
    const child = (name: string, parent: string) => ro({ apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization', metadata: { name, namespace: 'flux-system' } }, parent, `clusters/c/${name}.yaml`);
    const root = k('flux-system', [git, child('flux-system', 'flux-system'), child('infra-controllers', 'flux-system')]);
    const layer = k('infra-controllers', [child('cert-manager', 'infra-controllers'), child('metrics-server', 'infra-controllers')]);
    const patches = bootstrapPatches('http://127.0.0.1:1234/platform.git', unservable([certManager, metrics]), [root, layer, certManager, metrics]);
    expect(patches[0]).toEqual({ target: { group: 'source.toolkit.fluxcd.io', kind: 'GitRepository' }, patch: '[{"op":"replace","path":"/spec/url","value":"http://127.0.0.1:1234/platform.git"}]' });
    expect(patches.slice(1).map((p) => p.target)).toEqual([{ group: 'kustomize.toolkit.fluxcd.io', kind: 'Kustomization', name: 'infra-controllers' }]);
    const layerPatches = JSON.parse(patches[1]!.patch)[0].value as { target: Record<string, string>; patch: string }[];
    expect(layerPatches.map((p) => p.target.name)).toEqual(['cert-manager', 'metrics-server']);
    const certPatches = JSON.parse(layerPatches[0]!.patch)[0].value;
    expect(certPatches[0].patch).toContain('$patch: delete');
    expect(certPatches[0].target).toEqual({ group: 'admissionregistration.k8s.io', kind: 'ValidatingWebhookConfiguration', name: 'cert-manager-webhook' });
  });

  it('says what it changed', () => {
    const text = describePatches('single-node', 'http://127.0.0.1:1/platform.git', unservable([certManager]));
    expect(text).toContain('every GitRepository spec.url -> http://127.0.0.1:1/platform.git');
    expect(text).toContain('drop ValidatingWebhookConfiguration cert-manager-webhook (apps/cert-manager/deploy/base/vwc.yaml)');
  });
});

describe('judging', () => {
  it('names the generated file and definition of objects a Kustomization message mentions', () => {
    const index = renderIndex([certManager]);
    const named = objectsNamedIn('Deployment/cert-manager/cert-manager dry-run failed: spec.replicas: Invalid value', index);
    expect(named).toEqual(['Deployment/cert-manager/cert-manager — apps/cert-manager/deploy/base/deployment.yaml from apps/cert-manager/src/service.ts']);
  });

  it('flags a Kustomization Ready before what it dependsOn', () => {
    const ks = [k('a', []), k('b', [], ['a'])];
    expect(dependsOnOrder([{ name: 'a', ready: true, message: '', since: '2026-01-01T00:00:10Z' }, { name: 'b', ready: true, message: '', since: '2026-01-01T00:00:12Z' }], ks)).toEqual([]);
    expect(dependsOnOrder([{ name: 'a', ready: true, message: '', since: '2026-01-01T00:00:10Z' }, { name: 'b', ready: true, message: '', since: '2026-01-01T00:00:05Z' }], ks)[0]).toContain('before its dependency a');
  });
});

describe('placement: what the capacity model claims whatever the scheduling order', () => {
  const facts = {
    name: 'three',
    role: 'production',
    nodes: ['a', 'b', 'c'].map((name) => ({ name, allocatable: { cpu: '4', memory: '8Gi', pods: 10 }, storage: '100Gi', labels: name === 'c' ? { disk: 'ssd' } : {} })),
    namespaces: [],
    file: 'clusters/three/cluster.yaml',
  } as unknown as ClusterFacts;
  const container = { name: 'c', resources: { requests: { cpu: '1', memory: '1Gi' } } };
  const deployment = (name: string, replicas: number, spec: Record<string, any> = {}) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'apps' },
    spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [container], ...spec } } },
  });
  const anti = { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'web' } } }] } } };
  const apps = k('apps', [ro(deployment('web', 3, anti), 'apps', 'apps/web.yaml'), ro(deployment('db', 1, { nodeSelector: { disk: 'ssd' } }), 'apps', 'apps/db.yaml'), ro(deployment('worker', 2), 'apps', 'apps/worker.yaml')]);
  const pod = (workload: string, i: number, node: string, spec: Record<string, any> = { containers: [container] }): BoundPod => ({ namespace: 'apps', name: `${workload}-7d9f8-${i}`, node, owner: { kind: 'ReplicaSet', name: `${workload}-7d9f8` }, labels: { app: workload, 'pod-template-hash': '7d9f8' }, spec });
  const check = (bound: BoundPod[]): PodCheck => ({ pods: bound.length, running: bound.length, succeeded: 0, perNode: Object.fromEntries(['a', 'b', 'c'].map((n) => [n, bound.filter((p) => p.node === n).length])), bound, problems: [] });
  // The real scheduler's split (workers both on a) is not the model's, and need not be.
  const good = [pod('web', 0, 'a'), pod('web', 1, 'b'), pod('web', 2, 'c'), pod('db', 0, 'c'), pod('worker', 0, 'a'), pod('worker', 1, 'a')];

  it('holds for a placement other than the model\'s own split, and lists the model\'s split only as an example', () => {
    const r = comparePlacement(facts, [apps], check(good), []);
    expect(r.differences).toEqual([]);
    expect(r.placed).toEqual({ model: 6, scheduler: 6 });
    expect(r.rules).toBe(2); // web (anti-affinity), db (node selector)
    expect(r.actual).not.toEqual(r.predicted);
  });

  it('fails on each violated fact: anti-affinity, node selector, a missing pod, requests, allocatable, an unknown pod', () => {
    const diff = (bound: BoundPod[]) => comparePlacement(facts, [apps], check(bound), []).differences;
    expect(diff([pod('web', 0, 'a'), pod('web', 1, 'a'), ...good.slice(2)])).toEqual([expect.stringMatching(/^Pod apps\/web-7d9f8-0 and Pod apps\/web-7d9f8-1 share kubernetes.io\/hostname=a against Deployment apps\/web's required anti-affinity/)]);
    expect(diff([...good.slice(0, 3), pod('db', 0, 'b'), ...good.slice(4)])).toEqual(['Pod apps/db-7d9f8-0 (Deployment apps/db) on b: nodeSelector disk=ssd does not match']);
    expect(diff(good.slice(0, 5))).toEqual(['pods placed: capacity model 6, the scheduler bound 5', 'Deployment apps/worker: the model places 2 pods, 1 placed']);
    const big = { containers: [{ name: 'c', resources: { requests: { cpu: '2', memory: '1Gi' } } }] };
    expect(diff([...good.slice(0, 5), pod('worker', 1, 'a', big)])).toEqual(['Pod apps/worker-7d9f8-1 (Deployment apps/worker): requests 2.0 vCPU / 1.0 GiB, the model counts 1.0 vCPU / 1.0 GiB']);
    const crowded = [...good.slice(0, 4), ...[0, 1, 2, 3].map((i) => pod('worker', i, 'a'))];
    expect(diff(crowded)).toEqual(['pods placed: capacity model 6, the scheduler bound 8', 'Deployment apps/worker: the model places 2 pods, 4 placed', 'node a: 5.0 vCPU requested, allocatable 4.0']);
    expect(diff([...good, { ...pod('stray', 0, 'b'), owner: { kind: 'ReplicaSet', name: 'stray-1' } }])[0]).toBe('Pod apps/stray-7d9f8-0 (owner ReplicaSet stray-1): no workload in the capacity model');
  });
});
