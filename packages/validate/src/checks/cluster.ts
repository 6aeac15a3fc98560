import { isSopsEncrypted } from '@carbon/render';
import type { RenderedObject } from '@carbon/render';
import { mapMatches, operatorPodLabels, podTemplateOf, selectorMatches } from '../pods.ts';
import { configMapCredentials, describeCredentials } from '../credentials.ts';
import { ref, type Check } from '../types.ts';

const CLUSTER_SCOPED = new Set([
  'Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'PersistentVolume', 'StorageClass', 'PriorityClass',
  'ClusterIssuer', 'ClusterSecretStore', 'ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration', 'APIService', 'IngressClass', 'RuntimeClass', 'Node',
]);
const nsOf = (ro: RenderedObject) => (CLUSTER_SCOPED.has(ro.object.kind ?? '') ? '' : (ro.object.metadata?.namespace ?? 'default'));
const group = (apiVersion = '') => (apiVersion.includes('/') ? apiVersion.split('/')[0] : '');

type Pods = { ro: RenderedObject; namespace: string; labels: Record<string, string>; spec: Record<string, any>; replicas: number }[];

function podsOf(view: { objects: RenderedObject[] }): Pods {
  const out: Pods = [];
  for (const ro of view.objects) {
    const t = podTemplateOf(ro);
    const o = ro.object as Record<string, any>;
    if (t) out.push({ ro, namespace: nsOf(ro), labels: t.labels, spec: t.spec, replicas: o.kind === 'DaemonSet' ? 1 : Number(o.spec?.replicas ?? 1) });
    if (o.kind === 'Prometheus' || o.kind === 'Alertmanager') {
      out.push({ ro, namespace: nsOf(ro), labels: operatorPodLabels(o), spec: {}, replicas: Number(o.spec?.replicas ?? 1) });
    }
  }
  return out;
}

/** Networking, HPA/PDB targets, RBAC, secrets, duplicates. */
export const clusterChecks: Check = (view, emit) => {
  const pods = podsOf(view);
  const byKind = (k: string) => view.objects.filter((x) => x.object.kind === k);

  // NET001: every namespace the cluster creates or deploys into has a default-deny policy.
  const namespaces = new Set<string>();
  for (const ro of byKind('Namespace')) namespaces.add(ro.object.metadata?.name ?? '');
  for (const p of pods) namespaces.add(p.namespace);
  for (const n of ['kube-system', 'kube-public', 'kube-node-lease', 'flux-system', 'default']) if (!byKind('Namespace').some((x) => x.object.metadata?.name === n)) namespaces.delete(n);
  for (const n of namespaces) {
    const deny = byKind('NetworkPolicy').some((x) => {
      const s = (x.object as any).spec ?? {};
      return nsOf(x) === n && Object.keys(s.podSelector ?? { x: 1 }).length === 0 && !(s.ingress ?? []).length && (s.policyTypes ?? ['Ingress']).includes('Ingress');
    });
    if (!deny) {
      const at = byKind('Namespace').find((x) => x.object.metadata?.name === n) ?? pods.find((p) => p.namespace === n)?.ro;
      emit('NET001', at, `namespace ${n} has no default-deny NetworkPolicy`);
    }
  }

  // NET002: Service selectors.
  for (const ro of byKind('Service')) {
    const s = (ro.object as any).spec ?? {};
    if (!s.selector || s.type === 'ExternalName') continue;
    if (!pods.some((p) => p.namespace === nsOf(ro) && mapMatches(s.selector, p.labels))) emit('NET002', ro, `Service selector ${fmt(s.selector)} matches no pod in ${nsOf(ro)}`, ['spec', 'selector']);
  }

  // NET003 / NET006: Ingress backends and TLS.
  for (const ro of byKind('Ingress')) {
    const s = (ro.object as any).spec ?? {};
    const backends: { svc: string; port: any; path: (string | number)[] }[] = [];
    if (s.defaultBackend?.service) backends.push({ svc: s.defaultBackend.service.name, port: s.defaultBackend.service.port, path: ['spec', 'defaultBackend'] });
    (s.rules ?? []).forEach((rule: any, ri: number) =>
      (rule.http?.paths ?? []).forEach((p: any, pi: number) => {
        if (p.backend?.service) backends.push({ svc: p.backend.service.name, port: p.backend.service.port, path: ['spec', 'rules', ri, 'http', 'paths', pi, 'backend'] });
      }),
    );
    for (const b of backends) {
      const svc = byKind('Service').find((x) => x.object.metadata?.name === b.svc && nsOf(x) === nsOf(ro));
      if (!svc) {
        emit('NET003', ro, `backend Service ${b.svc} does not exist in ${nsOf(ro)}`, b.path);
        continue;
      }
      const ports = ((svc.object as any).spec?.ports ?? []) as any[];
      if (b.port && !ports.some((p) => (b.port.number !== undefined && p.port === b.port.number) || (b.port.name !== undefined && p.name === b.port.name))) emit('NET003', ro, `backend Service ${b.svc} has no port ${b.port.number ?? b.port.name}`, b.path);
    }
    const hosts: string[] = (s.rules ?? []).map((x: any) => x.host).filter(Boolean);
    const tlsHosts = new Set<string>((s.tls ?? []).flatMap((t: any) => t.hosts ?? []));
    const bare = hosts.filter((h) => !tlsHosts.has(h));
    if (!(s.tls ?? []).length || bare.length) emit('NET006', ro, `Ingress serves ${bare.join(', ') || 'its hosts'} without TLS`, ['spec']);
  }

  // NET004: NetworkPolicy pod selectors.
  for (const ro of byKind('NetworkPolicy')) {
    const sel = (ro.object as any).spec?.podSelector;
    if (!sel || (Object.keys(sel.matchLabels ?? {}).length === 0 && !(sel.matchExpressions ?? []).length)) continue;
    if (!pods.some((p) => p.namespace === nsOf(ro) && selectorMatches(sel, p.labels))) emit('NET004', ro, `podSelector ${fmt(sel.matchLabels ?? {})} matches no pod in ${nsOf(ro)}`, ['spec', 'podSelector']);
  }

  // HPA: target exists (NET005) and is sane (REL005).
  for (const ro of byKind('HorizontalPodAutoscaler')) {
    const s = (ro.object as any).spec ?? {};
    const t = s.scaleTargetRef ?? {};
    const target = view.objects.find((x) => x.object.kind === t.kind && x.object.metadata?.name === t.name && nsOf(x) === nsOf(ro));
    if (!target) emit('NET005', ro, `scaleTargetRef ${t.kind}/${t.name} does not exist in ${nsOf(ro)}`, ['spec', 'scaleTargetRef']);
    const min = Number(s.minReplicas ?? 1);
    const max = Number(s.maxReplicas ?? 0);
    if (min > max) emit('REL005', ro, `minReplicas ${min} exceeds maxReplicas ${max}`, ['spec', 'minReplicas']);
    const cpuUtil = (s.metrics ?? []).some((m: any) => m.type === 'Resource' && m.resource?.name === 'cpu' && m.resource?.target?.type === 'Utilization');
    const tpl = target ? podTemplateOf(target) : undefined;
    if (cpuUtil && tpl && ((tpl.spec.containers ?? []) as any[]).some((c) => c.resources?.requests?.cpu === undefined)) emit('REL005', ro, `scales on CPU utilisation but ${t.kind}/${t.name} has containers without a CPU request`, ['spec', 'metrics']);
  }

  // PDB: selects something (NET005), allows disruption (REL004).
  for (const ro of byKind('PodDisruptionBudget')) {
    const s = (ro.object as any).spec ?? {};
    const matchedPods = pods.filter((p) => !['CronJob', 'Job'].includes(p.ro.object.kind ?? '') && p.namespace === nsOf(ro) && selectorMatches(s.selector, p.labels));
    const matched = matchedPods.map((p) => p.ro);
    if (!matched.length) {
      emit('NET005', ro, `selector ${fmt(s.selector?.matchLabels ?? {})} matches no workload in ${nsOf(ro)}`, ['spec', 'selector']);
      continue;
    }
    const replicas = matchedPods.reduce((n, p) => n + p.replicas, 0);
    // Blocking a drain (zero allowed disruptions) is the resilience check's finding (RES002/SNG002); here: budgets that cannot mean anything.
    if (s.minAvailable !== undefined && s.maxUnavailable !== undefined) emit('REL004', ro, 'sets both minAvailable and maxUnavailable (the API rejects it)', ['spec']);
    else if (typeof s.minAvailable === 'number' && s.minAvailable > replicas) emit('REL004', ro, `minAvailable ${s.minAvailable} exceeds the ${replicas} replica${replicas === 1 ? '' : 's'} it selects: never satisfied`, ['spec', 'minAvailable']);
    else if (matched.length > 1) emit('REL004', ro, `selects pods of ${matched.length} workloads (${matched.map((m) => m.object.metadata?.name).join(', ')}): the budget is shared`, ['spec', 'selector']);
  }

  // RBAC.
  for (const ro of [...byKind('Role'), ...byKind('ClusterRole')]) {
    ((ro.object as any).rules ?? []).forEach((r: any, i: number) => {
      const wild = (['apiGroups', 'resources', 'verbs'] as const).filter((k) => (r[k] ?? []).includes('*'));
      if (wild.length) emit('RBAC001', ro, `rule ${i} uses * in ${wild.join(', ')}`, ['rules', i]);
    });
  }
  for (const ro of [...byKind('RoleBinding'), ...byKind('ClusterRoleBinding')]) {
    if ((ro.object as any).roleRef?.name === 'cluster-admin') emit('RBAC002', ro, `binds cluster-admin to ${((ro.object as any).subjects ?? []).map((s: any) => `${s.kind}/${s.name}`).join(', ') || 'nobody'}`, ['roleRef']);
  }

  // Secrets: literal data (values never printed), ExternalSecret stores resolve. A SOPS-encrypted
  // Secret (its `sops:` stanza) holds ciphertext, not a credential: kustomize-controller decrypts it.
  for (const ro of byKind('Secret')) {
    const o = ro.object as any;
    if (isSopsEncrypted(o)) continue;
    const keys = [...Object.keys(o.data ?? {}), ...Object.keys(o.stringData ?? {})];
    if (keys.length) emit('SECR001', ro, `Secret carries literal values for ${keys.length} key${keys.length === 1 ? '' : 's'} (${keys.join(', ')})`, [o.data ? 'data' : 'stringData']);
  }
  // Config files (ConfigMap values) that assign a literal to a secret-named key: a credential in git.
  for (const ro of byKind('ConfigMap')) for (const c of configMapCredentials(ro.object as { data?: Record<string, unknown> })) emit('SECR003', ro, describeCredentials(c), ['data', c.file]);
  for (const ro of byKind('ExternalSecret')) {
    const st = (ro.object as any).spec?.secretStoreRef ?? {};
    const kind = st.kind ?? 'SecretStore';
    const found = view.objects.some((x) => x.object.kind === kind && x.object.metadata?.name === st.name && (kind === 'ClusterSecretStore' || nsOf(x) === nsOf(ro)));
    if (!found) emit('SECR002', ro, `secretStoreRef ${kind}/${st.name} is not declared on this cluster`, ['spec', 'secretStoreRef']);
  }

  // HYG001: one object, two sources.
  const seen = new Map<string, RenderedObject>();
  for (const ro of view.objects) {
    const o = ro.object;
    const key = `${group(o.apiVersion)}/${o.kind}/${nsOf(ro)}/${o.metadata?.name}`;
    const prior = seen.get(key);
    if (prior) emit('HYG001', ro, `${ref(o)} is applied by ${ro.kustomization} and also by ${prior.kustomization}${prior.sourceFile ? ` (${prior.sourceFile})` : ''}`);
    else seen.set(key, ro);
  }
};

/** Evictions a PDB allows when all `replicas` pods are healthy. */
export function allowedDisruptions(spec: Record<string, any>, replicas: number): number {
  const pct = (v: unknown, round: (n: number) => number) => (typeof v === 'string' && v.endsWith('%') ? round((Number(v.slice(0, -1)) / 100) * replicas) : Number(v));
  if (spec.minAvailable !== undefined) return replicas - pct(spec.minAvailable, Math.ceil);
  if (spec.maxUnavailable !== undefined) return Math.min(replicas, pct(spec.maxUnavailable, Math.floor));
  return replicas;
}

const fmt = (m: Record<string, string>) => `{${Object.entries(m ?? {}).map(([k, v]) => `${k}=${v}`).join(', ')}}`;
