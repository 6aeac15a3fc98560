import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadClusters, type ClusterFacts } from '@carbon/platform';
import { capacity } from '@carbon/validate';
import { parseAllDocuments } from 'yaml';
import { capacitySnapshot, createMasker, diffSection, type DiffReport, type K8sObject, type SectionInput, type SectionReport, type ServiceObjects, totalsOf } from '../src/index.ts';

/**
 * The seven kinds of pull request the issue tried (Trino bump, Superset HPA + CPU, quota change,
 * a new Vault-backed secret key, a widened Role, Loki made public, a capacity break), applied in
 * memory to this repository's generated objects (apps/<svc>/deploy, the namespaces with their
 * quotas) and its real cluster facts, then diffed with the engine the CLI uses. Fast (no
 * kustomize), and real objects rather than toy ones.
 */

const ROOT = resolve(import.meta.dirname, '../../..');
type Rec = Record<string, any>;

function yamlObjects(dir: string): K8sObject[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
    .sort()
    .flatMap((f) => parseAllDocuments(readFileSync(join(dir, f), 'utf8')).map((d) => d.toJS() as K8sObject))
    .filter((o) => o && o.kind);
}

/** Every service's generated objects for one cluster, plus the cluster-wide namespaces (quotas). */
export function realObjects(cluster: string): ServiceObjects {
  const out: ServiceObjects = new Map();
  for (const svc of readdirSync(join(ROOT, 'apps')).sort()) {
    const objs = [...yamlObjects(join(ROOT, 'apps', svc, 'deploy/base')), ...yamlObjects(join(ROOT, 'apps', svc, 'deploy/overlays', cluster))];
    if (objs.length) out.set(svc, objs);
  }
  out.set('infrastructure', yamlObjects(join(ROOT, 'clusters', cluster, 'infrastructure/namespaces')));
  return out;
}

export function realFacts(cluster: string): ClusterFacts {
  return loadClusters(ROOT).find((c) => c.name === cluster)!;
}

const clone = <T>(x: T): T => structuredClone(x);
function find(m: ServiceObjects, svc: string, kind: string, name?: string): Rec {
  const o = (m.get(svc) ?? []).find((x) => x.kind === kind && (!name || x.metadata?.name === name));
  if (!o) throw new Error(`fixture: ${svc} has no ${kind} ${name ?? ''}`);
  return o as Rec;
}
const podSpec = (o: Rec): Rec => o.spec.template.spec;

export interface PrKind {
  title: string;
  /** Edits the objects (and facts) of one cluster in place: what the PR changes there. */
  edit: (objects: ServiceObjects, facts: ClusterFacts, cluster: string) => void;
}

export const PR_KINDS: Record<string, PrKind> = {
  'trino-bump': {
    title: 'Trino 455 → 461',
    edit: (m) => {
      for (const name of ['trino-coordinator', 'trino-worker']) {
        const c = podSpec(find(m, 'trino', 'Deployment', name)).containers[0];
        c.image = String(c.image).replace(':455', ':461');
      }
    },
  },
  'superset-hpa-cpu': {
    title: 'Superset: HPA max 4 → 12, CPU request doubled',
    edit: (m) => {
      find(m, 'superset', 'HorizontalPodAutoscaler').spec.maxReplicas = 12;
      const c = podSpec(find(m, 'superset', 'Deployment', 'superset')).containers[0];
      c.resources.requests.cpu = '1';
    },
  },
  'quota-change': {
    title: 'data-platform quota lowered',
    edit: (m, facts) => {
      const q = (m.get('infrastructure') ?? []).find((o) => o.kind === 'ResourceQuota' && o.metadata?.namespace === 'data-platform') as Rec;
      q.spec.hard['requests.cpu'] = '2';
      const ns = facts.namespaces.find((n) => n.name === 'data-platform')!;
      ns.quota.requests.cpu = '2';
    },
  },
  'vault-secret-key': {
    title: 'Superset SMTP: a new Vault-backed secret key',
    edit: (m) => {
      const es = find(m, 'superset', 'ExternalSecret');
      es.spec.data.push({ secretKey: 'SMTP_PASSWORD', remoteRef: { key: 'data-platform/superset', property: 'smtp-password' } });
      const cfg = find(m, 'superset', 'ConfigMap', 'superset-config');
      cfg.data['superset_config.py'] += '\nSMTP_HOST = "smtp.254carbon.com"\nSMTP_USER = "superset"\nSMTP_PASSWORD = os.environ["SMTP_PASSWORD"]\nSMTP_MAIL_FROM = "superset@254carbon.com"\n';
      for (const o of m.get('superset') ?? []) {
        const spec = (o as Rec).spec?.template?.spec;
        for (const c of spec?.containers ?? []) if (c.name === 'superset' || c.name === 'init') (c.env ??= []).push({ name: 'SMTP_PASSWORD', valueFrom: { secretKeyRef: { name: 'superset', key: 'SMTP_PASSWORD' } } });
      }
      // The init Job's name carries a hash of its spec: a new secret key renames it (a new object, not an immutable change).
      const job = find(m, 'superset', 'Job');
      job.metadata.name = String(job.metadata.name).replace(/-[0-9a-f]{6}$/, '-b7e4c2');
    },
  },
  'widened-role': {
    title: 'platform-rbac: the viewer role may read Secrets',
    edit: (m) => {
      const role = find(m, 'platform-rbac', 'ClusterRole', 'platform-viewer');
      role.rules = [...(role.rules ?? []), { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch'] }];
    },
  },
  'loki-public': {
    title: 'Loki made public',
    edit: (m, facts) => {
      const loki = m.get('loki')!;
      const host = `loki.${facts.domain}`;
      loki.push({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: { name: 'loki', namespace: 'monitoring', annotations: { 'nginx.ingress.kubernetes.io/ssl-redirect': 'true' } },
        spec: { ingressClassName: 'nginx', tls: [{ hosts: [host], secretName: 'loki-tls' }], rules: [{ host, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'loki', port: { name: 'http' } } } }] } }] },
      });
    },
  },
  'capacity-break': {
    title: 'Trino workers sized up past what the nodes hold',
    edit: (m) => {
      const w = find(m, 'trino', 'Deployment', 'trino-worker');
      const c = podSpec(w).containers[0];
      c.resources.requests.cpu = '7';
      c.resources.limits = { ...(c.resources.limits ?? {}), cpu: '7' };
    },
  },
  'velero-root': {
    title: 'Velero server runs as root with added capabilities',
    edit: (m) => {
      const d = find(m, 'velero', 'Deployment', 'velero-server');
      const pod = podSpec(d);
      pod.securityContext = { ...(pod.securityContext ?? {}), runAsNonRoot: false, runAsUser: 0 };
      const c = pod.containers.find((x: Rec) => x.name === 'server');
      c.securityContext = { ...(c.securityContext ?? {}), runAsNonRoot: false, runAsUser: 0, capabilities: { drop: ['ALL'], add: ['DAC_READ_SEARCH', 'CHOWN', 'FOWNER', 'SYS_ADMIN'] } };
    },
  },
};

const masker = createMasker(Buffer.from('pr-kinds'));

function section(cluster: string, kind: SectionReport['kind'], title: string, base: ServiceObjects, head: ServiceObjects, fb: ClusterFacts, fh: ClusterFacts, withCapacity: boolean): SectionReport {
  const snap = (m: ServiceObjects, f: ClusterFacts) => {
    const objects = [...m].flatMap(([svc, objs]) => objs.map((object, documentIndex) => ({ object: object as never, documentIndex, kustomization: `flux-system/${svc}` })));
    const { report, groups } = capacity({ cluster, facts: f, objects, kustomizations: [] });
    return { snapshot: capacitySnapshot(objects, report, groups), headroom: { cpuMillicores: { requested: report.totals.requests.cpu, allocatable: report.totals.allocatable.cpu }, memoryBytes: { requested: report.totals.requests.memory, allocatable: report.totals.allocatable.memory } } };
  };
  const extra: Partial<SectionInput> = {};
  if (withCapacity) {
    const b = snap(base, fb);
    const h = snap(head, fh);
    extra.headroom = { before: b.headroom, after: h.headroom, model: 'validate capacity model' };
    extra.snapshots = { before: b.snapshot, after: h.snapshot };
  }
  return diffSection({ cluster, kind, title, base, head, ...extra }, { masker });
}

const CLUSTER_WIDE = new Set(['infrastructure']);
const only = (m: ServiceObjects, keep: (svc: string) => boolean): ServiceObjects => new Map([...m].filter(([k]) => keep(k)));

/**
 * The report `platform diff` makes for one PR kind: single-node applies on merge; multi-node's
 * cluster-wide files apply on merge, its services when promoted; a small production backlog
 * (Grafana one version behind at its pin) as the collapsed line.
 */
export function prReport(kind: string): DiffReport {
  const pr = PR_KINDS[kind]!;
  const sections: SectionReport[] = [];
  for (const cluster of ['single-node', 'multi-node']) {
    const base = realObjects(cluster);
    const fb = realFacts(cluster);
    const head = clone(base);
    const fh = clone(fb);
    pr.edit(head, fh, cluster);
    if (cluster === 'single-node') {
      sections.push(section(cluster, 'on-merge', 'a1b2c3d → e4f5a6b', base, head, fb, fh, true));
      continue;
    }
    const wideB = only(base, (s) => CLUSTER_WIDE.has(s));
    const wideH = only(head, (s) => CLUSTER_WIDE.has(s));
    const onMerge = section(cluster, 'on-merge', 'cluster-wide files a1b2c3d → e4f5a6b; services stay at their pins', new Map([...only(base, (s) => !CLUSTER_WIDE.has(s)), ...wideB]), new Map([...only(base, (s) => !CLUSTER_WIDE.has(s)), ...wideH]), fb, fh, true);
    if (onMerge.resources.length) sections.push(onMerge);
    // As platform diff does: the services' change, with the cluster-wide files and facts of head on both sides
    // (a quota change is listed once, where it applies: on merge).
    const promotedBase = new Map([...only(base, (s) => !CLUSTER_WIDE.has(s)), ...wideH]);
    sections.push(section(cluster, 'pending-promotion', 'this change as production receives it: services promoted to a1b2c3d → promoted to e4f5a6b', promotedBase, head, fh, fh, true));
    const pinned = only(base, (s) => !CLUSTER_WIDE.has(s));
    const behind = clone(pinned);
    const g = (behind.get('grafana') ?? []).find((o) => o.kind === 'StatefulSet') as Rec | undefined;
    if (g) g.spec.template.spec.containers[0].image = String(g.spec.template.spec.containers[0].image).replace(/:[^:]+$/, ':11.2.0');
    sections.push(section(cluster, 'backlog', 'production pins (20 services at 7529a38, grafana at 2043ae0) → services promoted to a1b2c3d', behind, pinned, fb, fb, false));
  }
  return { schemaVersion: 1, base: { ref: 'main', commit: 'a1b2c3d'.padEnd(40, '0') }, head: { ref: `pr/${kind}`, commit: 'e4f5a6b'.padEnd(40, '0') }, sections, totals: totalsOf(sections), warnings: [] };
}
