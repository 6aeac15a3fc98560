import { createMasker, diffSection, type DiffReport, type K8sObject, type SectionReport, type ServiceObjects, totalsOf } from '../src/index.ts';

export function deployment(name: string, over: { image?: string; replicas?: number; ns?: string; env?: Array<{ name: string; value: string }>; ports?: number[]; cpu?: string; selector?: Record<string, string> } = {}): K8sObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: over.ns ?? 'data', labels: { 'app.kubernetes.io/name': name } },
    spec: {
      replicas: over.replicas ?? 2,
      selector: { matchLabels: over.selector ?? { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [
            {
              name: 'main',
              image: over.image ?? `harbor.example/${name}:455`,
              env: over.env ?? [{ name: 'MODE', value: 'prod' }],
              ports: (over.ports ?? [8080]).map((p) => ({ name: `p${p}`, containerPort: p })),
              resources: { requests: { cpu: over.cpu ?? '500m', memory: '1Gi' } },
            },
          ],
        },
      },
    },
  };
}

export function services(entries: Record<string, K8sObject[]>): ServiceObjects {
  return new Map(Object.entries(entries));
}

export function section(base: Record<string, K8sObject[]>, head: Record<string, K8sObject[]>, extra: Partial<Parameters<typeof diffSection>[0]> = {}): SectionReport {
  return diffSection({ cluster: 'single-node', kind: 'on-merge', title: 'a → b', base: services(base), head: services(head), ...extra }, { masker: createMasker(Buffer.from('test-salt')) });
}

export function report(sections: SectionReport[]): DiffReport {
  return { schemaVersion: 1, base: { ref: 'main', commit: 'a'.repeat(40) }, head: { ref: 'pr', commit: 'b'.repeat(40) }, sections, totals: totalsOf(sections), warnings: [] };
}
