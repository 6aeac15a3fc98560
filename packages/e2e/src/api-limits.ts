import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ManifestObject } from '@carbon/render';
import { apiLimitChecks, emitter, type Finding } from '@carbon/validate';
import { startApiServer } from './cluster.ts';
import { locations } from './components.ts';
import { Supervisor } from './supervisor.ts';

/**
 * Proves `platform validate`'s INP003/INP004 against the pinned kube-apiserver and etcd (issue 13
 * item 4): each probe object is created on a fresh API server, and whether the server refuses it
 * must equal whether the checks flag it. Runs inside the e2e network namespace (`--probe-api-limits`).
 */

const MiB = 1024 * 1024;
const container = { name: 'c', image: 'registry.example/c:1' };
const cm = (name: string, data: Record<string, string> = {}, meta: Record<string, unknown> = {}) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'web', ...meta }, data });
const crd = (plural: string, descriptionBytes: number) => ({
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `${plural}.limits.example.com` },
  spec: {
    group: 'limits.example.com',
    names: { plural, singular: plural.replace(/s$/, ''), kind: plural[0]!.toUpperCase() + plural.slice(1).replace(/s$/, '') },
    scope: 'Namespaced',
    versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', description: 'd'.repeat(descriptionBytes) } } }],
  },
});
const sts = (name: string) => ({ apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name, namespace: 'web' }, spec: { serviceName: 's', selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [container] } } } });
const cron = (name: string) => ({ apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name, namespace: 'web' }, spec: { schedule: '* * * * *', jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [container] } } } } } });

/** The probes: each limit at its edge, one side accepted, the other refused (by the server, and by the checks). */
export function apiLimitProbes(): { name: string; object: Record<string, any> }[] {
  return [
    { name: 'ConfigMap data exactly 1 MiB', object: cm('data-1mib', { a: 'x'.repeat(MiB - 1), b: 'y' }) },
    { name: 'ConfigMap data 1 MiB + 1 byte', object: cm('data-over', { a: 'x'.repeat(MiB), b: 'y' }) },
    { name: 'CRD of 1.45 MiB', object: crd('smalls', 1.45 * MiB) },
    { name: 'CRD of 1.55 MiB (over etcd 1.5 MiB)', object: crd('edges', 1.55 * MiB) },
    { name: 'CRD of 2 MiB (over etcd 1.5 MiB)', object: crd('mediums', 2 * MiB) },
    { name: 'CRD of 4 MiB (over the 3 MiB request body)', object: crd('larges', 4 * MiB) },
    { name: 'ConfigMap name of 253', object: cm('n'.repeat(253)) },
    { name: 'ConfigMap name of 254', object: cm('n'.repeat(254)) },
    { name: 'ConfigMap name with upper case', object: cm('Upper') },
    { name: 'Namespace name of 63', object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'n'.repeat(63) } } },
    { name: 'Namespace name of 64', object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'n'.repeat(64) } } },
    { name: 'Namespace name with a dot', object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a.b' } } },
    { name: 'Service named 1web (a DNS-1123 label since Kubernetes 1.36)', object: { apiVersion: 'v1', kind: 'Service', metadata: { name: '1web', namespace: 'web' }, spec: { ports: [{ port: 80 }] } } },
    { name: 'Service named web.1', object: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web.1', namespace: 'web' }, spec: { ports: [{ port: 80 }] } } },
    { name: 'Service named web1', object: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web1', namespace: 'web' }, spec: { ports: [{ port: 80 }] } } },
    { name: 'StatefulSet name of 63', object: sts('s'.repeat(63)) },
    { name: 'StatefulSet name of 64', object: sts('s'.repeat(64)) },
    { name: 'CronJob name of 52', object: cron('c'.repeat(52)) },
    { name: 'CronJob name of 53', object: cron('c'.repeat(53)) },
    { name: 'ClusterRole named system:Aggregate-To-View', object: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'system:Aggregate-To-View' }, rules: [] } },
    { name: 'label value of 63', object: cm('label-63', {}, { labels: { v: 'v'.repeat(63) } }) },
    { name: 'label value of 64', object: cm('label-64', {}, { labels: { v: 'v'.repeat(64) } }) },
    { name: 'label key with a 64-character name', object: cm('label-key', {}, { labels: { ['k'.repeat(64)]: 'v' } }) },
    { name: 'annotations of exactly 256 KiB', object: cm('ann-256', {}, { annotations: { a: 'a'.repeat(256 * 1024 - 1) } }) },
    { name: 'annotations of 256 KiB + 1 byte', object: cm('ann-over', {}, { annotations: { a: 'a'.repeat(256 * 1024) } }) },
  ];
}

const plural: Record<string, string> = { ConfigMap: 'configmaps', Namespace: 'namespaces', Service: 'services', StatefulSet: 'statefulsets', CronJob: 'cronjobs', ClusterRole: 'clusterroles', CustomResourceDefinition: 'customresourcedefinitions' };

function collection(o: ManifestObject): string {
  const gv = o.apiVersion!;
  const base = gv.includes('/') ? `/apis/${gv}` : `/api/${gv}`;
  return `${base}${o.metadata?.namespace ? `/namespaces/${o.metadata.namespace}` : ''}/${plural[o.kind!]}`;
}

export type ApiLimitProbe = { name: string; status: number; reason: string; refused: boolean; flagged: string[] };

/** Starts etcd + kube-apiserver on loopback, creates every probe, and reports the server's and the checks' verdicts. */
export async function probeApiLimits(root: string, log: (s: string) => void): Promise<ApiLimitProbe[]> {
  const stateDir = mkdtempSync(join(tmpdir(), 'carbon-api-limits-'));
  const sup = new Supervisor(stateDir);
  try {
    const { kube } = await startApiServer({ cluster: 'limits', dir: join(stateDir, 'limits'), loc: locations(root), sup });
    log(`api server up`);
    await kube.request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'web' } });
    const out: ApiLimitProbe[] = [];
    for (const p of apiLimitProbes()) {
      const r = await kube.request('POST', collection(p.object as ManifestObject), p.object, 'application/json', 120_000);
      const findings: Finding[] = [];
      apiLimitChecks({ cluster: 'limits', objects: [{ object: p.object as ManifestObject, documentIndex: 0, kustomization: 'probe' }], kustomizations: [] }, emitter('limits', findings));
      const reason = typeof r.body === 'object' ? String(r.body?.message ?? r.body?.reason ?? '') : String(r.body ?? '');
      out.push({ name: p.name, status: r.status, reason: reason.replace(/[a-z]{40,}/gi, (m) => `${m[0]}…(${m.length})`).slice(0, 300), refused: r.status >= 300, flagged: findings.map((f) => f.id) });
      log(`${p.name}: ${r.status}${findings.length ? ` (${findings.map((f) => f.id).join(', ')})` : ''}`);
    }
    kube.close();
    return out;
  } finally {
    await sup.stopAll();
    rmSync(stateDir, { recursive: true, force: true });
  }
}
