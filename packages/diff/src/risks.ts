import { parseBytes, parseCpu } from '@carbon/platform';
import { helmReleaseRisks } from './helmrelease.ts';
import { imageChange } from './image.ts';
import { observabilityRisks } from './observability.ts';
import { literalCredentials } from '@carbon/validate';
import { exposureAuthentication } from './exposure.ts';
import { privilegeRisks } from './privilege.ts';
import type { FieldChange, K8sObject, ResourceChange, Risk, RiskCategory, RiskLevel } from './types.ts';

type Lookup = (change: ResourceChange, side: 'base' | 'head') => K8sObject | undefined;

/** Objects of a kind in a namespace at head (masked), for risks that need context beyond the changed object. */
export type HeadObjects = (kind: string, namespace: string) => K8sObject[];

/** Why each category matters: the default reason when a rule gives none of its own. */
const REASON: Record<RiskCategory, string> = {
  prune: 'Flux deletes what is no longer in git; anything still using the object breaks.',
  'data-at-risk': 'Data on the volume can be lost; check the backup (Velero) before merging.',
  'immutable-field': 'The API server rejects the change in place: the Flux Kustomization stays not-ready until the object is deleted and recreated.',
  image: 'A new image is new code: check the release notes and that the tag is mirrored to Harbor.',
  'replicas-reduced': 'Fewer replicas means less headroom and no redundancy during a node drain.',
  'resources-reduced': 'Lower requests or limits can throttle the process or get it OOM-killed.',
  'rbac-widened': 'The subject can do more against the API; a compromised pod can too.',
  'network-policy-loosened': 'Traffic the policy used to deny is now allowed.',
  'public-exposure': 'The service becomes reachable from outside the cluster.',
  crd: 'Every object of the kind depends on its definition.',
  capacity: 'Pods that do not fit stay Pending; the admission controller rejects pods beyond the quota.',
  privilege: 'A compromised container with more privilege can take over its node.',
  credentials: 'A credential written into git is readable by everyone with the repository and lands in every render, diff and artifact.',
  observability: 'Alerts, routes and dashboards decide who learns of an outage, and when.',
  'helm-release': 'helm-controller upgrades the release to what the chart makes with these values; the rendered objects show the result.',
};

const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet']);
const DATA_KINDS = new Set(['PersistentVolumeClaim', 'StatefulSet', 'PersistentVolume']);

/** Immutable fields per kind: a change here fails to apply (Flux reports the Kustomization not ready). */
const IMMUTABLE: Record<string, RegExp[]> = {
  Deployment: [/^spec\.selector(\.|\[|$)/],
  DaemonSet: [/^spec\.selector(\.|\[|$)/],
  ReplicaSet: [/^spec\.selector(\.|\[|$)/],
  StatefulSet: [/^spec\.selector(\.|\[|$)/, /^spec\.volumeClaimTemplates(\.|\[|$)/, /^spec\.serviceName$/, /^spec\.podManagementPolicy$/],
  Job: [/^spec\.template(\.|\[|$)/, /^spec\.selector(\.|\[|$)/, /^spec\.completions$/],
  PersistentVolumeClaim: [/^spec\.storageClassName$/, /^spec\.accessModes/, /^spec\.volumeName$/, /^spec\.selector/],
  Service: [/^spec\.clusterIPs?(\[|$)/],
  StorageClass: [/^provisioner$/, /^parameters/, /^reclaimPolicy$/, /^volumeBindingMode$/],
  RoleBinding: [/^roleRef(\.|$)/],
  ClusterRoleBinding: [/^roleRef(\.|$)/],
};

function get(o: unknown, path: string[]): unknown {
  let cur: unknown = o;
  for (const p of path) cur = cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[p] : undefined;
  return cur;
}

function quantity(v: unknown, kind: 'cpu' | 'memory'): number | undefined {
  if (typeof v !== 'string' && typeof v !== 'number') return undefined;
  try {
    return kind === 'cpu' ? parseCpu(v) : parseBytes(v, kind === 'memory' ? 'memory' : 'storage');
  } catch {
    return undefined;
  }
}

/** container name → image, init containers included. */
function containerImages(o: K8sObject | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const spec of podSpecs(o)) {
    for (const field of ['initContainers', 'containers']) {
      for (const c of (spec[field] as Array<Record<string, unknown>> | undefined) ?? []) if (typeof c.image === 'string') out.set(String(c.name), c.image);
    }
  }
  return out;
}

function credentialsIn(o: K8sObject | undefined): Array<{ file: string; key: string; line: number }> {
  const data = (o?.data ?? {}) as Record<string, unknown>;
  return Object.entries(data).flatMap(([file, text]) => (typeof text === 'string' ? literalCredentials(text).map((c) => ({ file, ...c })) : []));
}

export function podSpecs(o: K8sObject | undefined): Array<Record<string, unknown>> {
  if (!o) return [];
  const direct = get(o, ['spec', 'template', 'spec']) ?? get(o, ['spec', 'jobTemplate', 'spec', 'template', 'spec']);
  return direct && typeof direct === 'object' ? [direct as Record<string, unknown>] : [];
}

export function imagesOf(o: K8sObject | undefined): string[] {
  const out: string[] = [];
  for (const spec of podSpecs(o)) {
    for (const field of ['initContainers', 'containers']) {
      for (const c of (spec[field] as Array<Record<string, unknown>> | undefined) ?? []) if (typeof c.image === 'string') out.push(c.image);
    }
  }
  return out;
}

/** (apiGroup, resource, verb) triples a Role/ClusterRole grants, wildcards kept as `*`. */
function grants(o: K8sObject | undefined): Set<string> {
  const out = new Set<string>();
  for (const rule of (o?.rules as Array<Record<string, string[]>> | undefined) ?? []) {
    for (const g of rule.apiGroups ?? (rule.nonResourceURLs ? ['(url)'] : [''])) {
      for (const r of rule.resources ?? rule.nonResourceURLs ?? []) for (const v of rule.verbs ?? []) out.add(`${g || 'core'}/${r}:${v}`);
    }
  }
  return out;
}

/** Grants that amount to privilege escalation or secret access: high even without a wildcard. */
const SENSITIVE_GRANT = /^(core\/secrets:(get|list|watch)|.*:(escalate|bind|impersonate)|core\/pods\/exec:|core\/nodes\/proxy:|rbac\.authorization\.k8s\.io\/.*:(create|update|patch)|core\/serviceaccounts\/token:create)/;

const PUBLIC_SERVICE_TYPES = new Set(['LoadBalancer', 'NodePort']);

function ingressHosts(o: K8sObject | undefined): Set<string> {
  const hosts = new Set<string>();
  if (!o) return hosts;
  if (o.kind === 'Ingress') for (const r of (get(o, ['spec', 'rules']) as Array<{ host?: string }> | undefined) ?? []) hosts.add(r.host ?? '*');
  if (o.kind === 'HTTPRoute' || o.kind === 'GRPCRoute' || o.kind === 'TLSRoute') for (const h of (get(o, ['spec', 'hostnames']) as string[] | undefined) ?? ['*']) hosts.add(h);
  return hosts;
}

/** A peer list is wide open when it is absent/empty (all sources) or holds an empty selector or 0.0.0.0/0. */
function widePeers(rule: Record<string, unknown>, field: 'from' | 'to'): boolean {
  const peers = rule[field] as Array<Record<string, any>> | undefined;
  if (!peers || peers.length === 0) return true;
  return peers.some(
    (p) =>
      (p.ipBlock && (p.ipBlock.cidr === '0.0.0.0/0' || p.ipBlock.cidr === '::/0')) ||
      (p.namespaceSelector && Object.keys(p.namespaceSelector).length === 0 && (!p.podSelector || Object.keys(p.podSelector).length === 0)),
  );
}

/** Flux Kustomization name → whether it prunes (spec.prune); unknown services are assumed to prune. */
export type PruneLookup = (service: string) => boolean;

export function assessRisks(resources: ResourceChange[], lookup: Lookup, prunes: PruneLookup = () => true, headObjects: HeadObjects = () => []): Risk[] {
  const risks: Risk[] = [];
  const add = (r: ResourceChange, level: RiskLevel, category: Risk['category'], message: string, reason: string = REASON[category]) => risks.push({ level, category, service: r.service, ref: r.ref, message, reason });

  for (const r of resources) {
    const before = r.change === 'added' ? undefined : lookup(r, 'base');
    const after = r.change === 'removed' ? undefined : lookup(r, 'head');
    const kind = r.id.kind;

    const pruned = prunes(r.change === 'renamed' ? (r.from?.service ?? r.service) : r.service);
    if (!pruned && (r.change === 'removed' || r.change === 'renamed')) {
      add(r, 'info', 'prune', `${r.change === 'renamed' ? `renamed from ${r.from?.ref}; the old object` : 'removed from git; it'} stays in the cluster (spec.prune is false): delete it by hand if it should go`);
    } else if (r.change === 'removed' || (r.change === 'renamed' && DATA_KINDS.has(kind))) {
      const what = r.change === 'renamed' ? `renamed from ${r.from?.ref}: Flux prunes the old object and creates a new one` : 'deleted: Flux will prune it';
      if (kind === 'PersistentVolumeClaim' || kind === 'PersistentVolume') add(r, 'high', 'data-at-risk', `${what}; its volume's data is at risk`);
      else if (kind === 'StatefulSet' && get(before, ['spec', 'volumeClaimTemplates'])) add(r, 'high', 'data-at-risk', `${what}; it owns volumeClaimTemplates (data on their PVCs is orphaned or lost)`);
      else if (kind === 'Namespace') add(r, 'high', 'data-at-risk', `${what}; deleting a Namespace deletes everything in it`);
      else if (kind === 'CustomResourceDefinition') add(r, 'high', 'crd', `${what}; deleting a CRD deletes every object of that kind`);
      else if (r.change === 'removed') add(r, 'medium', 'prune', what);
    }
    if (kind === 'CustomResourceDefinition' && r.change !== 'removed') add(r, r.change === 'added' ? 'info' : 'medium', 'crd', `CRD ${r.change}${r.fields.length ? ` (${r.fields.length} field change${r.fields.length === 1 ? '' : 's'})` : ''}`);

    // A renamed object (e.g. a Job whose name carries a hash suffix) is a new object: nothing immutable changes in place.
    if (r.change === 'changed' || r.change === 'moved') {
      for (const re of IMMUTABLE[kind] ?? []) {
        const hit = r.fields.find((f) => re.test(f.path));
        if (hit) {
          add(r, 'high', 'immutable-field', `immutable field \`${hit.path}\` changes: the apply will fail; the object must be deleted and recreated`);
          break;
        }
      }
      if (kind === 'Service') {
        const ta = get(before, ['spec', 'type']);
        const tb = get(after, ['spec', 'type']);
        if (ta !== tb && (ta === 'ExternalName' || tb === 'ExternalName')) add(r, 'high', 'immutable-field', `Service type ${String(ta ?? 'ClusterIP')} → ${String(tb ?? 'ClusterIP')}: ExternalName transitions reset clusterIP and may fail to apply`);
      }
      if (kind === 'PersistentVolumeClaim') {
        const sa = quantity(get(before, ['spec', 'resources', 'requests', 'storage']), 'memory');
        const sb = quantity(get(after, ['spec', 'resources', 'requests', 'storage']), 'memory');
        if (sa !== undefined && sb !== undefined && sb < sa) add(r, 'high', 'immutable-field', 'PVC storage request shrinks: volumes cannot shrink; the apply will fail');
      }
    }

    // Images, old → new per container
    if (r.change !== 'added') {
      const was = containerImages(before);
      const changed = [...containerImages(after)].filter(([name, image]) => was.get(name) !== image);
      if (changed.length) add(r, 'info', 'image', changed.map(([name, image]) => `${name}: ${imageChange(was.get(name), image)}`).join('; '));
    }

    // Privilege of pods and service accounts
    for (const p of privilegeRisks(before, after, kind)) add(r, p.level, 'privilege', p.message, p.reason);

    // Credentials written into config files
    if (kind === 'ConfigMap' && after) {
      const known = new Set(credentialsIn(before).map((c) => `${c.file}/${c.key}`));
      const found = credentialsIn(after).filter((c) => !known.has(`${c.file}/${c.key}`));
      if (found.length) add(r, 'high', 'credentials', `literal credential${found.length === 1 ? '' : 's'} in ${found.map((c) => `${c.file}:${c.line} ${c.key}`).join(', ')}`);
    }

    // Replicas and resources
    for (const path of [['spec', 'replicas'], ['spec', 'minReplicas'], ['spec', 'maxReplicas']]) {
      const a = get(before, path);
      const b = get(after, path);
      if (typeof a === 'number' && typeof b === 'number' && b < a) add(r, b === 0 || b < 2 ? 'medium' : 'info', 'replicas-reduced', `${path.join('.')} ${a} → ${b}`);
      if (WORKLOADS.has(kind) && path[1] === 'replicas' && typeof a === 'number' && a > 1 && b === undefined && after) add(r, 'info', 'replicas-reduced', `spec.replicas ${a} → unset (1 unless an HPA scales it)`);
    }
    for (const f of r.fields) {
      const m = /containers\[name=([^\]]+)\]\.resources\.(requests|limits)\.(cpu|memory)$/.exec(f.path);
      if (m && f.op === 'changed') {
        const a = quantity(f.before, m[3] as 'cpu' | 'memory');
        const b = quantity(f.after, m[3] as 'cpu' | 'memory');
        if (a !== undefined && b !== undefined && b < a) add(r, m[2] === 'limits' && m[3] === 'memory' ? 'medium' : 'info', 'resources-reduced', `${m[1]} ${m[2]}.${m[3]} ${String(f.before)} → ${String(f.after)}`);
      }
    }

    // RBAC
    if (kind === 'Role' || kind === 'ClusterRole') {
      const ga = grants(before);
      const widened = [...grants(after)].filter((g) => !ga.has(g));
      if (widened.length) {
        const dangerous = widened.some((g) => g.includes('*') || SENSITIVE_GRANT.test(g));
        add(r, dangerous ? 'high' : 'medium', 'rbac-widened', `${r.change === 'added' ? 'new role grants' : 'grants added'}: ${widened.slice(0, 8).join(', ')}${widened.length > 8 ? ` (+${widened.length - 8} more)` : ''}`);
      }
      if (get(after, ['aggregationRule']) && !get(before, ['aggregationRule'])) add(r, 'medium', 'rbac-widened', 'aggregationRule added: the role gains every matching ClusterRole');
    }
    if (kind === 'RoleBinding' || kind === 'ClusterRoleBinding') {
      const subj = (o: K8sObject | undefined) => new Set(((o?.subjects as Array<Record<string, string>> | undefined) ?? []).map((s) => `${s.kind}:${s.namespace ? `${s.namespace}/` : ''}${s.name}`));
      const sa = subj(before);
      const added = [...subj(after)].filter((s) => !sa.has(s));
      if (added.length) {
        const role = get(after, ['roleRef', 'name']);
        add(r, role === 'cluster-admin' || role === 'admin' || (kind === 'ClusterRoleBinding' && role === 'edit') ? 'high' : 'medium', 'rbac-widened', `${r.change === 'added' ? 'new binding' : 'subjects added'}: ${added.join(', ')} → ${String(get(after, ['roleRef', 'kind']))} ${String(role)}`);
      }
    }

    // NetworkPolicy
    if (kind === 'NetworkPolicy') {
      if (r.change === 'removed') add(r, 'high', 'network-policy-loosened', 'NetworkPolicy removed: traffic it denied is allowed');
      else if (before && after) {
        for (const [dir, peer] of [['ingress', 'from'], ['egress', 'to']] as const) {
          const ra = (get(before, ['spec', dir]) as Array<Record<string, unknown>> | undefined) ?? [];
          const rb = (get(after, ['spec', dir]) as Array<Record<string, unknown>> | undefined) ?? [];
          const key = (x: unknown) => JSON.stringify(x);
          const existing = new Set(ra.map(key));
          const newRules = rb.filter((x) => !existing.has(key(x)));
          if (newRules.length) {
            const wide = newRules.some((x) => widePeers(x, peer));
            add(r, wide ? 'high' : 'medium', 'network-policy-loosened', `${dir} rule${newRules.length === 1 ? '' : 's'} added or widened${wide ? ' (open to any peer)' : ''}`);
          }
        }
        const pa = new Set((get(before, ['spec', 'policyTypes']) as string[] | undefined) ?? []);
        const pb = new Set((get(after, ['spec', 'policyTypes']) as string[] | undefined) ?? []);
        const dropped = [...pa].filter((p) => !pb.has(p));
        if (dropped.length) add(r, 'high', 'network-policy-loosened', `policyTypes no longer include ${dropped.join(', ')}: that direction is no longer restricted`);
      }
    }

    // Public exposure
    const ha = ingressHosts(before);
    const newHosts = [...ingressHosts(after)].filter((h) => !ha.has(h));
    if (newHosts.length && after) {
      const auth = exposureAuthentication(after, headObjects);
      const what = `new public host${newHosts.length === 1 ? '' : 's'}: ${newHosts.join(', ')}`;
      if (auth.none) add(r, 'high', 'public-exposure', `${what}; ${auth.none} has no authentication of its own`, `Anyone on the internet can read and write ${auth.none}: put authentication in front (ingress auth, an OAuth proxy) or keep it internal.`);
      else add(r, 'medium', 'public-exposure', `${what}${auth.edge ? ' (authenticated at the ingress)' : ''}`);
    }
    if (kind === 'Service') {
      const ta = get(before, ['spec', 'type']);
      const tb = get(after, ['spec', 'type']);
      if (PUBLIC_SERVICE_TYPES.has(String(tb)) && ta !== tb) add(r, 'high', 'public-exposure', `Service type ${String(tb)}: exposed outside the cluster`);
    }
  }
  // Rules, routes and dashboards in their own terms (observability.ts).
  risks.push(...observabilityRisks(resources, lookup));
  // HelmReleases: chart version, images in values, values summarised (helmrelease.ts).
  risks.push(...helmReleaseRisks(resources, lookup).map((r) => ({ ...r, reason: r.reason ?? REASON[r.category] })));
  return sortRisks(risks);
}

const ORDER: Record<RiskLevel, number> = { high: 0, medium: 1, info: 2 };

/** Highest first, then by service and object. */
export function sortRisks(risks: Risk[]): Risk[] {
  return risks.sort((a, b) => ORDER[a.level] - ORDER[b.level] || a.service.localeCompare(b.service) || a.ref.localeCompare(b.ref));
}

export type { FieldChange };
