import { parseBytes, parseCpu, type LimitRangeFacts } from '@carbon/platform';
import type { ManifestObject, RenderedObject } from '@carbon/render';

/** Kinds whose objects carry a pod template at spec.template. */
export const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job']);

export type Resources = { cpu: number; memory: number };
export type Container = Record<string, any>;

/** A pod template and where it lives in its object (for locating findings). */
export type PodTemplate = { owner: RenderedObject; spec: Record<string, any>; labels: Record<string, string>; path: (string | number)[] };

/** Every pod template of a rendered object: workloads, CronJobs, bare Pods. */
export function podTemplateOf(ro: RenderedObject): PodTemplate | undefined {
  const o = ro.object as Record<string, any>;
  if (WORKLOAD_KINDS.has(o.kind) && o.spec?.template) return { owner: ro, spec: o.spec.template.spec ?? {}, labels: o.spec.template.metadata?.labels ?? {}, path: ['spec', 'template', 'spec'] };
  if (o.kind === 'CronJob' && o.spec?.jobTemplate?.spec?.template)
    return { owner: ro, spec: o.spec.jobTemplate.spec.template.spec ?? {}, labels: o.spec.jobTemplate.spec.template.metadata?.labels ?? {}, path: ['spec', 'jobTemplate', 'spec', 'template', 'spec'] };
  if (o.kind === 'Pod') return { owner: ro, spec: o.spec ?? {}, labels: o.metadata?.labels ?? {}, path: ['spec'] };
  return undefined;
}

const cpu = (v: unknown): number | undefined => {
  if (v === undefined || v === null) return undefined;
  try {
    return parseCpu(v as string);
  } catch {
    return undefined;
  }
};
const mem = (v: unknown): number | undefined => {
  if (v === undefined || v === null) return undefined;
  try {
    return parseBytes(v as string);
  } catch {
    return undefined;
  }
};

/**
 * A container's effective requests and limits as admission leaves them: LimitRange defaults fill
 * what is missing, and a limit with no request makes the request equal the limit.
 */
export function containerResources(c: Container, lr?: LimitRangeFacts): { requests: Resources; limits: Resources } {
  const req = c.resources?.requests ?? {};
  const lim = c.resources?.limits ?? {};
  const limCpu = cpu(lim.cpu) ?? (lr ? cpu(lr.default.cpu) : undefined);
  const limMem = mem(lim.memory) ?? (lr ? mem(lr.default.memory) : undefined);
  const reqCpu = cpu(req.cpu) ?? (cpu(lim.cpu) ?? (lr ? cpu(lr.defaultRequest.cpu) : undefined));
  const reqMem = mem(req.memory) ?? (mem(lim.memory) ?? (lr ? mem(lr.defaultRequest.memory) : undefined));
  return { requests: { cpu: reqCpu ?? 0, memory: reqMem ?? 0 }, limits: { cpu: limCpu ?? 0, memory: limMem ?? 0 } };
}

/** A pod's resources as the scheduler counts them: max(sum of containers, largest init container) + overhead. */
export function podResources(spec: Record<string, any>, lr?: LimitRangeFacts): { requests: Resources; limits: Resources } {
  const sum = { requests: { cpu: 0, memory: 0 }, limits: { cpu: 0, memory: 0 } };
  for (const c of (spec.containers ?? []) as Container[]) {
    const r = containerResources(c, lr);
    sum.requests.cpu += r.requests.cpu;
    sum.requests.memory += r.requests.memory;
    sum.limits.cpu += r.limits.cpu;
    sum.limits.memory += r.limits.memory;
  }
  // Sidecars (init containers with restartPolicy Always) run alongside: they add to the sum.
  let initMax = { requests: { cpu: 0, memory: 0 }, limits: { cpu: 0, memory: 0 } };
  let sidecars = { requests: { cpu: 0, memory: 0 }, limits: { cpu: 0, memory: 0 } };
  for (const c of (spec.initContainers ?? []) as Container[]) {
    const r = containerResources(c, lr);
    if (c.restartPolicy === 'Always') {
      sidecars = add2(sidecars, r);
      continue;
    }
    const withSidecars = add2(sidecars, r);
    initMax = {
      requests: { cpu: Math.max(initMax.requests.cpu, withSidecars.requests.cpu), memory: Math.max(initMax.requests.memory, withSidecars.requests.memory) },
      limits: { cpu: Math.max(initMax.limits.cpu, withSidecars.limits.cpu), memory: Math.max(initMax.limits.memory, withSidecars.limits.memory) },
    };
  }
  const main = add2(sum, sidecars);
  const overhead = spec.overhead ?? {};
  return {
    requests: { cpu: Math.max(main.requests.cpu, initMax.requests.cpu) + (cpu(overhead.cpu) ?? 0), memory: Math.max(main.requests.memory, initMax.requests.memory) + (mem(overhead.memory) ?? 0) },
    limits: { cpu: Math.max(main.limits.cpu, initMax.limits.cpu), memory: Math.max(main.limits.memory, initMax.limits.memory) },
  };
}

function add2(a: { requests: Resources; limits: Resources }, b: { requests: Resources; limits: Resources }) {
  return {
    requests: { cpu: a.requests.cpu + b.requests.cpu, memory: a.requests.memory + b.requests.memory },
    limits: { cpu: a.limits.cpu + b.limits.cpu, memory: a.limits.memory + b.limits.memory },
  };
}

/** What prometheus-operator adds to each Prometheus/Alertmanager pod: the config-reloader sidecar (its defaults). */
export const CONFIG_RELOADER: Container = { name: 'config-reloader', resources: { requests: { cpu: '10m', memory: '50Mi' }, limits: { cpu: '10m', memory: '50Mi' } } };
/** prometheus-operator's defaults when the CR sets no resources. */
export const OPERATOR_DEFAULTS: Record<string, Container['resources']> = { Prometheus: { requests: { memory: '2Gi' } }, Alertmanager: { requests: { memory: '200Mi' } } };

/** A set of identical pods the cluster will run. */
export type PodGroup = {
  owner: RenderedObject;
  namespace: string;
  name: string;
  kind: string;
  /** Steady-state pods (DaemonSets: one per matching node, filled in by the caller). */
  replicas: number;
  /** Pods at HPA maximum. */
  peak: number;
  daemon: boolean;
  stateless: boolean;
  spec: Record<string, any>;
  labels: Record<string, string>;
  requests: Resources;
  limits: Resources;
  /** Storage each pod claims through volumeClaimTemplates, bytes. */
  claimBytes: number;
  templatePath: (string | number)[];
};

const ns = (o: ManifestObject) => o.metadata?.namespace ?? 'default';

/**
 * Expands rendered objects into pod groups: replicas (HPA max as peak), DaemonSets per node,
 * Prometheus/Alertmanager CRs into the StatefulSet pods the operator creates.
 */
export function podGroups(objects: RenderedObject[], nodes: number, limitRangeOf: (namespace: string) => LimitRangeFacts | undefined): PodGroup[] {
  const hpaMax = new Map<string, { min: number; max: number }>();
  for (const ro of objects) {
    const o = ro.object as Record<string, any>;
    if (o.kind !== 'HorizontalPodAutoscaler') continue;
    const t = o.spec?.scaleTargetRef ?? {};
    hpaMax.set(`${t.kind}/${ns(o)}/${t.name}`, { min: Number(o.spec?.minReplicas ?? 1), max: Number(o.spec?.maxReplicas ?? 1) });
  }
  const groups: PodGroup[] = [];
  for (const ro of objects) {
    const o = ro.object as Record<string, any>;
    const namespace = ns(o);
    const lr = limitRangeOf(namespace);
    if (o.kind === 'Prometheus' || o.kind === 'Alertmanager') {
      const replicas = Number(o.spec?.replicas ?? 1) * (o.kind === 'Prometheus' ? Number(o.spec?.shards ?? 1) : 1);
      const spec = {
        containers: [{ name: o.kind.toLowerCase(), resources: o.spec?.resources ?? OPERATOR_DEFAULTS[o.kind] }, CONFIG_RELOADER],
        nodeSelector: o.spec?.nodeSelector,
        affinity: o.spec?.affinity,
        topologySpreadConstraints: o.spec?.topologySpreadConstraints,
      };
      const res = podResources(spec, lr);
      const storage = o.spec?.storage?.volumeClaimTemplate?.spec?.resources?.requests?.storage;
      const labels = operatorPodLabels(o);
      groups.push({ owner: ro, namespace, name: o.metadata?.name ?? '', kind: o.kind, replicas, peak: replicas, daemon: false, stateless: false, spec, labels, ...res, claimBytes: storage ? (mem(storage) ?? 0) : 0, templatePath: ['spec'] });
      continue;
    }
    const t = podTemplateOf(ro);
    if (!t || o.kind === 'CronJob' || o.kind === 'Job') continue;
    const res = podResources(t.spec, lr);
    const daemon = o.kind === 'DaemonSet';
    const declared = o.kind === 'Pod' ? 1 : Number(o.spec?.replicas ?? 1);
    const hpa = hpaMax.get(`${o.kind}/${namespace}/${o.metadata?.name}`);
    const replicas = daemon ? nodes : hpa ? Math.max(declared, hpa.min) : declared;
    const peak = daemon ? nodes : hpa ? Math.max(replicas, hpa.max) : replicas;
    let claimBytes = 0;
    for (const v of (o.spec?.volumeClaimTemplates ?? []) as Record<string, any>[]) claimBytes += mem(v.spec?.resources?.requests?.storage) ?? 0;
    groups.push({
      owner: ro,
      namespace,
      name: o.metadata?.name ?? '',
      kind: o.kind,
      replicas,
      peak,
      daemon,
      stateless: o.kind === 'Deployment' && !(t.spec.volumes ?? []).some((v: any) => v.persistentVolumeClaim),
      spec: t.spec,
      labels: t.labels,
      ...res,
      claimBytes,
      templatePath: t.path,
    });
  }
  return groups;
}

/** Label selector (matchLabels + matchExpressions) against a label set. */
export function selectorMatches(sel: Record<string, any> | undefined, labels: Record<string, string>): boolean {
  if (!sel) return false;
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of (sel.matchExpressions ?? []) as { key: string; operator: string; values?: string[] }[]) {
    const has = e.key in labels;
    const val = labels[e.key];
    if (e.operator === 'In' && !(has && (e.values ?? []).includes(val!))) return false;
    if (e.operator === 'NotIn' && has && (e.values ?? []).includes(val!)) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

/** A plain map selector (Service.spec.selector, nodeSelector). An empty map matches nothing here. */
export function mapMatches(sel: Record<string, string> | undefined, labels: Record<string, string>): boolean {
  const entries = Object.entries(sel ?? {});
  return entries.length > 0 && entries.every(([k, v]) => labels[k] === v);
}

/** The labels prometheus-operator puts on the pods of a Prometheus/Alertmanager CR. */
export function operatorPodLabels(o: Record<string, any>): Record<string, string> {
  const kind = String(o.kind).toLowerCase();
  const name = String(o.metadata?.name ?? '');
  return {
    ...(o.spec?.podMetadata?.labels ?? {}),
    'app.kubernetes.io/name': kind,
    'app.kubernetes.io/instance': name,
    'app.kubernetes.io/managed-by': 'prometheus-operator',
    [kind]: name,
    ...(kind === 'prometheus' ? { 'operator.prometheus.io/name': name, 'operator.prometheus.io/shard': '0' } : {}),
  };
}
