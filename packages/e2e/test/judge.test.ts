import type { FluxKustomization, RenderedObject } from '@carbon/render';
import { describe, expect, it } from 'vitest';
import { bootstrapPatches, describePatches, unservable } from '../src/bootstrap.ts';
import { dependsOnOrder, objectsNamedIn, renderIndex } from '../src/judge.ts';

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
