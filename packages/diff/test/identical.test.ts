import { describe, expect, it } from 'vitest';
import { documentText, parseManifestStream } from '@carbon/render';
import { createMasker, diffSection, renderJson, renderMarkdown, renderTerminal, totalsOf, type DiffReport, type K8sObject, type ServiceObjects } from '../src/index.ts';

/** One document per entry, as kustomize prints them; both sides are parsed lazily, like `platform diff` does. */
const doc = {
  crd: `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  names: { kind: Widget, plural: widgets }
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec: { type: object, x-kubernetes-preserve-unknown-fields: true }
`,
  ns: `apiVersion: v1
kind: Namespace
metadata:
  name: data
`,
  pvc: `apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: warehouse
  namespace: data
spec:
  accessModes: [ReadWriteOnce]
  resources: { requests: { storage: 10Gi } }
`,
  deploy: (name: string, image: string, memory = '1Gi') => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: data
spec:
  replicas: 2
  selector:
    matchLabels: { app: ${name} }
  template:
    metadata:
      labels: { app: ${name} }
    spec:
      containers:
      - name: main
        image: harbor.example/${name}:${image}
        env:
        - { name: DB_PASSWORD, value: hunter2 }
        resources:
          requests: { cpu: 500m, memory: ${memory} }
`,
  hpa: `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: trino
  namespace: data
spec:
  scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: trino }
  minReplicas: 3
  maxReplicas: 6
`,
  config: (suffix: string, threads: number) => `apiVersion: v1
kind: ConfigMap
metadata:
  name: trino-config-${suffix}
  namespace: data
data:
  config.properties: |
    threads=${threads}
    password = s3cret
  API_TOKEN: abc
`,
  secret: (name: string, value: string) => `apiVersion: v1
kind: Secret
metadata:
  name: ${name}
  namespace: data
data:
  password: ${Buffer.from(value).toString('base64')}
`,
  cm: (name: string, value: string) => `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}
  namespace: data
data:
  value: "${value}"
`,
};

/** service → documents; identical texts, duplicates, a move, a hash-suffix rename, secrets and a prune. */
const BASE: Record<string, string[]> = {
  infra: [doc.crd, doc.ns, doc.pvc, doc.cm('shared', 'one')],
  apps: [doc.deploy('trino', '455'), doc.deploy('grafana', '11'), doc.hpa, doc.config('2fbk7hkm5t', 4), doc.secret('db', 'p1'), doc.secret('api', 't1'), doc.cm('dup', 'same'), doc.cm('dup', 'same'), doc.cm('moving', 'x'), doc.cm('gone', 'y')],
  // The same key in a later service: the first service wins, on both sides.
  zz: [doc.cm('shared', 'other'), doc.cm('dup', 'same')],
};
const HEAD: Record<string, string[]> = {
  // `moving` keeps its exact text (both in the middle of a stream: no trailing newline), in another service.
  infra: [doc.crd, doc.ns, doc.pvc, doc.cm('moving', 'x'), doc.cm('shared', 'one')],
  apps: [doc.deploy('trino', '461', '2Gi'), doc.deploy('grafana', '11'), doc.hpa, doc.config('5m9dc8bt2g', 8), doc.secret('db', 'p1'), doc.secret('api', 't2'), doc.cm('dup', 'same'), doc.cm('dup', 'same')],
  zz: [doc.cm('shared', 'changed'), doc.cm('dup', 'same')],
};

function parsed(side: Record<string, string[]>): ServiceObjects {
  return new Map(Object.entries(side).map(([service, texts]) => [service, parseManifestStream(texts.join('---\n')) as unknown as K8sObject[]]));
}

function run(skipIdentical: boolean): { report: DiffReport; base: ServiceObjects; head: ServiceObjects } {
  const base = parsed(BASE);
  const head = parsed(HEAD);
  const section = diffSection(
    { cluster: 'c', kind: 'on-merge', title: 'a → b', base, head, capacity: { base: { nodes: 1, allocatableCpu: 4000, allocatableMemory: 8 * 2 ** 30 }, head: { nodes: 1, allocatableCpu: 4000, allocatableMemory: 8 * 2 ** 30 } } },
    { masker: createMasker(Buffer.from('salt')), skipIdentical },
  );
  const report: DiffReport = { schemaVersion: 1, base: { ref: 'main', commit: 'a'.repeat(40) }, head: { ref: 'pr', commit: 'b'.repeat(40) }, sections: [section], totals: totalsOf([section]), warnings: [] };
  return { report, base, head };
}

const specParsed = (o: K8sObject | undefined) => typeof Object.getOwnPropertyDescriptor(o, 'spec')?.get !== 'function';

describe('documents identical at base and head', () => {
  it('give the same report, in every format, with and without the shortcut', () => {
    const fast = run(true).report;
    const slow = run(false).report;
    expect(fast).toEqual(slow);
    expect(renderJson(fast)).toBe(renderJson(slow));
    expect(renderMarkdown(fast)).toEqual(renderMarkdown(slow));
    expect(renderMarkdown(fast, 2000)).toEqual(renderMarkdown(slow, 2000));
    expect(renderTerminal(fast, { color: false })).toBe(renderTerminal(slow, { color: false }));
    expect(renderTerminal(fast, { color: true })).toBe(renderTerminal(slow, { color: true }));
  });

  it('still reports what the fixture changes: a rename, a move, secrets, a prune, risks and capacity', () => {
    const { report } = run(true);
    const s = report.sections[0]!;
    const byRef = new Map(s.resources.map((r) => [r.ref, r]));
    expect(byRef.get('Deployment data/trino')?.change).toBe('changed');
    expect(byRef.get('ConfigMap data/trino-config-5m9dc8bt2g')).toMatchObject({ change: 'renamed', from: { ref: 'ConfigMap data/trino-config-2fbk7hkm5t' } });
    const docs = (side: Record<string, string[]>, service: string) => parseManifestStream(side[service]!.join('---\n'));
    const movingText = (side: Record<string, string[]>, service: string) => documentText(docs(side, service).find((o) => o.metadata?.name === 'moving'));
    expect(movingText(HEAD, 'infra')).toBe(movingText(BASE, 'apps'));
    expect(byRef.get('ConfigMap data/moving')).toMatchObject({ change: 'moved', service: 'infra', from: { service: 'apps' }, fields: [] });
    expect(byRef.get('Secret data/api')?.change).toBe('changed');
    expect(byRef.get('ConfigMap data/gone')?.change).toBe('removed');
    // The first service wins for a key applied twice: zz's `shared` changes nothing.
    expect(byRef.has('ConfigMap data/shared')).toBe(false);
    for (const unchanged of ['CustomResourceDefinition widgets.example.com', 'Deployment data/grafana', 'Secret data/db', 'ConfigMap data/dup', 'Namespace data']) expect(byRef.has(unchanged)).toBe(false);
    expect(s.risks.map((r) => r.category)).toEqual(expect.arrayContaining(['image', 'prune']));
    expect(s.capacity?.after.memoryBytes.requested).toBeGreaterThan(s.capacity!.before.memoryBytes.requested);
    const json = renderJson(report);
    for (const secret of ['hunter2', 's3cret', Buffer.from('t1').toString('base64'), Buffer.from('t2').toString('base64')]) expect(json).not.toContain(secret);
  });

  it('never parses the body of an identical document (only its header), and parses it when the shortcut is off', () => {
    const fast = run(true);
    const crd = (s: ServiceObjects) => s.get('infra')!.find((o) => o.kind === 'CustomResourceDefinition');
    const grafana = (s: ServiceObjects) => s.get('apps')!.find((o) => o.metadata.name === 'grafana');
    expect(specParsed(crd(fast.base))).toBe(false);
    expect(specParsed(crd(fast.head))).toBe(false);
    // grafana's spec is read by the capacity model (requests), not by the diff; the CRD's by neither.
    expect(specParsed(grafana(fast.base))).toBe(true);
    const slow = run(false);
    expect(specParsed(crd(slow.base))).toBe(true);
    expect(specParsed(crd(slow.head))).toBe(true);
  });

  it('compares objects that carry no source text (built in memory) as before', () => {
    const o = parseManifestStream(doc.cm('plain', 'a'))[0] as unknown as K8sObject;
    const plain = { ...o, data: { value: 'b' } } as K8sObject;
    const s = diffSection({ cluster: 'c', kind: 'on-merge', title: '', base: new Map([['x', [o]]]), head: new Map([['x', [plain]]]) });
    expect(s.resources.map((r) => r.change)).toEqual(['changed']);
  });
});
