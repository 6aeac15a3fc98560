import { describe, expect, it } from 'vitest';
import { renderMarkdown, renderTerminal, type K8sObject } from '../src/index.ts';
import { imagesInValues } from '../src/helmrelease.ts';
import { report, section } from './fixtures.ts';

const release = (over: { version?: string; chart?: string; values?: Record<string, unknown>; valuesFrom?: unknown[]; chartRef?: Record<string, string>; targetNamespace?: string } = {}): K8sObject => ({
  apiVersion: 'helm.toolkit.fluxcd.io/v2',
  kind: 'HelmRelease',
  metadata: { name: 'web', namespace: 'web' },
  spec: {
    interval: '10m',
    ...(over.chartRef
      ? { chartRef: over.chartRef }
      : { chart: { spec: { chart: over.chart ?? 'web', version: over.version ?? '1.0.0', sourceRef: { kind: 'HelmRepository', name: 'charts', namespace: 'flux-system' } } } }),
    ...(over.targetNamespace ? { targetNamespace: over.targetNamespace } : {}),
    ...(over.valuesFrom ? { valuesFrom: over.valuesFrom } : {}),
    values: over.values ?? { replicas: 1, image: { repository: 'registry.example/web', tag: '1.0' } },
  },
});

const helmChart = (version: string): K8sObject => ({
  apiVersion: 'source.toolkit.fluxcd.io/v1',
  kind: 'HelmChart',
  metadata: { name: 'web', namespace: 'flux-system' },
  spec: { chart: 'web', version, sourceRef: { kind: 'HelmRepository', name: 'charts' } },
});

const lines = (s: ReturnType<typeof section>) => s.risks.filter((r) => r.category === 'helm-release' || r.category === 'image').map((r) => `${r.level} ${r.category}: ${r.message}`);

describe('HelmRelease changes in their own terms (issue 10)', () => {
  it('chart version from → to, an image tag inside values as an image change, the rest of values summarised by path', () => {
    const before = release({ values: { replicas: 1, image: { repository: 'registry.example/web', tag: '1.0' }, sidecar: { image: 'registry.example/proxy:2.1' }, debug: true, ingress: { enabled: false } } });
    const after = release({ version: '1.1.0', values: { replicas: 2, image: { repository: 'registry.example/web', tag: '1.1' }, sidecar: { image: 'registry.example/proxy:2.2' }, ingress: { enabled: true, host: 'web.example.com' } } });
    const s = section({ apps: [before] }, { apps: [after] });
    expect(lines(s)).toEqual([
      'info helm-release: chart web 1.0.0 → 1.1.0',
      'info image: values.image: registry.example/web 1.0 → 1.1; values.sidecar.image: registry.example/proxy 2.1 → 2.2',
      'info helm-release: values: 2 changed (ingress.enabled false → true, replicas 1 → 2); 1 added (ingress.host = web.example.com); 1 removed (debug)',
    ]);
    // What a reviewer reads: the chart and images first, in the markdown comment and the terminal, not a values blob.
    const md = renderMarkdown(report([s])).body;
    expect(md).toContain('**helm-release** · apps · `HelmRelease web/web`: chart web 1.0.0 → 1.1.0');
    expect(md).toContain('**image** · apps · `HelmRelease web/web`: values.image: registry.example/web 1.0 → 1.1');
    expect(renderTerminal(report([s]), { color: false } as never)).toContain('chart web 1.0.0 → 1.1.0');
  });

  it('a new major chart version is medium; another chart or source, a release renamed, valuesFrom changed', () => {
    expect(lines(section({ a: [release()] }, { a: [release({ version: '2.0.0' })] }))).toEqual(['medium helm-release: chart web 1.0.0 → 2.0.0 (new major version)']);
    expect(lines(section({ a: [release()] }, { a: [release({ chart: 'web-next', version: '1.0.0' })] }))).toEqual(['medium helm-release: chart web 1.0.0 → chart web-next 1.0.0']);
    expect(lines(section({ a: [release()] }, { a: [release({ chartRef: { kind: 'OCIRepository', name: 'web', namespace: 'flux-system' } })] }))).toEqual(['medium helm-release: chart web 1.0.0 → chartRef OCIRepository flux-system/web']);
    expect(lines(section({ a: [release()] }, { a: [release({ targetNamespace: 'shop' })] }))).toEqual(['high helm-release: targetNamespace (default) → shop: a new release']);
    const from = [{ kind: 'ConfigMap', name: 'web-values' }];
    expect(lines(section({ a: [release({ valuesFrom: from })] }, { a: [release({ valuesFrom: [...from, { kind: 'Secret', name: 'web-extra', optional: true }] })] }))).toEqual(['info helm-release: valuesFrom: + Secret/web-extra (optional)']);
  });

  it('a HelmChart a chartRef names: its version from → to; a new and a removed release', () => {
    expect(lines(section({ a: [helmChart('1.0.0')] }, { a: [helmChart('1.2.0')] }))).toEqual(['info helm-release: chart web 1.0.0 → 1.2.0 (HelmChart; releases with this chartRef upgrade)']);
    expect(lines(section({ a: [] }, { a: [release()] }))).toEqual(['info helm-release: new release: chart web 1.0.0 from HelmRepository flux-system/charts']);
    expect(lines(section({ a: [release()] }, { a: [] }))).toEqual(['medium helm-release: release removed: helm-controller uninstalls chart web 1.0.0 and deletes every object it installed']);
  });

  it('secret-named values never show: they are masked before the summary is made', () => {
    const s = section({ a: [release({ values: { auth: { password: 'hunter2-old' } } })] }, { a: [release({ values: { auth: { password: 'hunter2-new' } } })] });
    const text = JSON.stringify(s);
    expect(text).not.toMatch(/hunter2/);
    expect(lines(s)).toEqual([expect.stringMatching(/^info helm-release: values: 1 changed \(auth\.password ‹masked 11 bytes #[0-9a-f]{8}› → ‹masked 11 bytes #[0-9a-f]{8}›\)$/)]);
  });

  it('finds images in values: image strings, repository/tag objects (registry, digest), a tag alone under an image key', () => {
    const found = imagesInValues({
      image: 'ghcr.io/acme/app:1.2',
      controller: { image: { registry: 'registry.k8s.io', repository: 'ingress-nginx/controller', tag: 'v1.11.0' } },
      db: { image: { repository: 'postgres', digest: `sha256:${'a'.repeat(64)}` } },
      worker: { image: { tag: '3' } },
      release: { tag: 'x' },
      list: [{ image: 'busybox:1.36' }],
      imagePullPolicy: 'IfNotPresent',
    });
    expect([...found]).toEqual([
      ['values.image', 'ghcr.io/acme/app:1.2'],
      ['values.controller.image', 'registry.k8s.io/ingress-nginx/controller:v1.11.0'],
      ['values.db.image', `postgres@sha256:${'a'.repeat(64)}`],
      ['values.worker.image', '(chart default):3'],
      ['values.list[0].image', 'busybox:1.36'],
    ]);
  });
});
