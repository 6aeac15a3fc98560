import { cores, gib, parseBytes, parseCpu, type ClusterFacts } from '@carbon/platform';
import type { RenderedObject } from '@carbon/render';
import { podGroups, type CapacityReport, type NamespaceUsage, type PodGroup, type Resources } from '@carbon/validate';
import type { CapacityChange, Headroom, Risk, ServiceObjects } from './types.ts';

/** What the headroom is measured against: the sum of the cluster's node allocatable. */
export interface CapacityInput {
  nodes: number;
  allocatableCpu: number;
  allocatableMemory: number;
}

export function capacityInputOf(facts: ClusterFacts): CapacityInput {
  let cpu = 0;
  let mem = 0;
  for (const n of facts.nodes) {
    cpu += parseCpu(n.allocatable.cpu);
    mem += parseBytes(n.allocatable.memory);
  }
  return { nodes: facts.nodes.length, allocatableCpu: cpu, allocatableMemory: mem };
}

/**
 * Steady-state requests of a rendering, through @carbon/validate's pod model (replicas, HPA
 * minimum, DaemonSets × nodes, operator-managed pods), without LimitRange defaults or placement.
 */
export function requestedBy(services: ServiceObjects, nodes: number): { cpu: number; memory: number } {
  const objects = [...services.values()].flat().map((object, documentIndex) => ({ object: object as RenderedObject['object'], documentIndex, kustomization: '' }));
  let cpu = 0;
  let memory = 0;
  for (const g of podGroups(objects, nodes, () => undefined)) {
    cpu += g.requests.cpu * g.replicas;
    memory += g.requests.memory * g.replicas;
  }
  return { cpu, memory };
}

function headroom(input: CapacityInput, used: { cpu: number; memory: number }): Headroom {
  return {
    cpuMillicores: { requested: used.cpu, allocatable: input.allocatableCpu },
    memoryBytes: { requested: used.memory, allocatable: input.allocatableMemory },
  };
}

export const SIMPLE_MODEL = 'validate pod model (replicas, HPA minimum, DaemonSets × nodes), without LimitRange defaults; vs node allocatable';

export function capacityChange(base: CapacityInput, head: CapacityInput, baseObjects: ServiceObjects, headObjects: ServiceObjects): { change: CapacityChange; risks: Risk[] } {
  const before = headroom(base, requestedBy(baseObjects, base.nodes));
  const after = headroom(head, requestedBy(headObjects, head.nodes));
  return { change: { before, after, model: SIMPLE_MODEL }, risks: headroomRisks(before, after) };
}

/** Risks of a headroom change: requests past allocatable, or past 85 % of it, when they grow. */
export function headroomRisks(before: Headroom, after: Headroom): Risk[] {
  const risks: Risk[] = [];
  for (const [label, key] of [
    ['CPU', 'cpuMillicores'],
    ['memory', 'memoryBytes'],
  ] as const) {
    const a = after[key];
    const b = before[key];
    if (a.requested > a.allocatable && a.requested > b.requested) {
      risks.push({ level: 'high', category: 'capacity', service: '(cluster)', ref: 'cluster', message: `${label} requests exceed node allocatable after this change (${pct(a)} of allocatable)`, reason: 'Requests beyond the nodes\' allocatable leave pods Pending.' });
    } else if (a.requested > 0.85 * a.allocatable && a.requested > b.requested) {
      risks.push({ level: 'medium', category: 'capacity', service: '(cluster)', ref: 'cluster', message: `${label} headroom drops below 15% (${pct(a)} of allocatable requested)`, reason: 'Little room is left for rollouts (surge pods), HPA scale-up or a lost node.' });
    }
  }
  return risks;
}

function pct(x: { requested: number; allocatable: number }): string {
  return x.allocatable > 0 ? `${Math.round((100 * x.requested) / x.allocatable)}%` : 'n/a';
}

/** One rendering through @carbon/validate's capacity model, with what the diff needs to blame a workload. */
export interface CapacitySnapshot {
  report: CapacityReport;
  groups: PodGroup[];
  /** Namespace → the ResourceQuota object and the service that applies it. */
  quotas: Map<string, { service: string; ref: string }>;
}

const serviceOfKustomization = (k: string): string => k.replace(/^flux-system\//, '');

export function capacitySnapshot(objects: RenderedObject[], report: CapacityReport, groups: PodGroup[]): CapacitySnapshot {
  const quotas = new Map<string, { service: string; ref: string }>();
  for (const ro of objects) {
    if (ro.object.kind !== 'ResourceQuota') continue;
    const ns = ro.object.metadata?.namespace ?? 'default';
    quotas.set(ns, { service: serviceOfKustomization(ro.kustomization), ref: `ResourceQuota ${ns}/${ro.object.metadata?.name}` });
  }
  return { report, groups, quotas };
}

type Dim = 'cpu' | 'memory';
type Measure = 'requests' | 'limits';
const fig = (r: Resources) => `${cores(r.cpu)} vCPU / ${gib(r.memory)} GiB`;
const over = (a: Resources, b: Resources): Dim[] => (['cpu', 'memory'] as const).filter((d) => a[d] > b[d]);
const groupKey = (g: PodGroup) => `${g.kind} ${g.namespace}/${g.name}`;

/** The workload whose use of `dim` grew most between the snapshots (optionally in one namespace), and by how much. */
function culprit(before: CapacitySnapshot, after: CapacitySnapshot, measure: Measure, dim: Dim, which: 'replicas' | 'peak', namespace?: string): { group: PodGroup; delta: number } | undefined {
  const use = (g: PodGroup) => g[measure][dim] * g[which];
  const was = new Map(before.groups.map((g) => [groupKey(g), use(g)]));
  let best: { group: PodGroup; delta: number } | undefined;
  for (const g of after.groups) {
    if (namespace && g.namespace !== namespace) continue;
    const delta = use(g) - (was.get(groupKey(g)) ?? 0);
    if (delta > 0 && (!best || delta > best.delta)) best = { group: g, delta };
  }
  return best;
}

function amount(dim: Dim, v: number): string {
  return dim === 'cpu' ? `${cores(v)} vCPU` : `${gib(v)} GiB`;
}

/**
 * What this change does to capacity, through the same model `platform validate` uses (CAP001/2/4/5,
 * PLC001): a namespace past its quota (now or at HPA maximum, requests and limits), the cluster past
 * its allocatable, pods that no longer fit. Each risk names the workload whose growth caused it (or
 * the ResourceQuota when the quota was lowered), not "(cluster)".
 */
export function capacityRisks(before: CapacitySnapshot, after: CapacitySnapshot): Risk[] {
  const risks: Risk[] = [];
  const blame = (measure: Measure, dims: Dim[], which: 'replicas' | 'peak', namespace?: string) => {
    for (const dim of dims) {
      const c = culprit(before, after, measure, dim, which, namespace);
      if (c) return { service: serviceOfKustomization(c.group.owner.kustomization), ref: groupKey(c.group), why: `${c.group.kind} ${c.group.name} ${which === 'peak' ? 'at HPA maximum ' : ''}${measure} +${amount(dim, c.delta)}` };
    }
    return undefined;
  };
  const nsBefore = new Map(before.report.namespaces.map((u) => [u.namespace, u]));
  for (const u of after.report.namespaces) {
    const q = u.quota;
    if (!q) continue;
    const b = nsBefore.get(u.namespace);
    const checks: Array<{ measure: Measure; which: 'replicas' | 'peak'; level: Risk['level']; rule: string; use: (x: NamespaceUsage) => Resources }> = [
      { measure: 'requests', which: 'replicas', level: 'high', rule: 'CAP001', use: (x) => x.requests },
      { measure: 'requests', which: 'peak', level: 'medium', rule: 'CAP004', use: (x) => x.peakRequests },
      { measure: 'limits', which: 'replicas', level: 'high', rule: 'CAP002', use: (x) => x.limits },
      { measure: 'limits', which: 'peak', level: 'medium', rule: 'CAP004', use: (x) => x.peakLimits },
    ];
    const reported = new Set<Measure>();
    for (const ch of checks) {
      if (reported.has(ch.measure)) continue;
      const quota = q[ch.measure];
      const dims = over(ch.use(u), quota);
      if (!dims.length) continue;
      const wasOver = b?.quota ? over(ch.use(b), b.quota[ch.measure]).length > 0 : false;
      const grew = b ? dims.some((d) => ch.use(u)[d] > ch.use(b)[d]) : true;
      const quotaLowered = b?.quota ? dims.some((d) => quota[d] < b.quota![ch.measure][d]) : false;
      if (wasOver && !grew && !quotaLowered) continue;
      reported.add(ch.measure);
      const peak = ch.which === 'peak' ? ' at peak (every HPA at maxReplicas)' : '';
      const what = `namespace ${u.namespace}${peak} ${ch.measure} ${fig(ch.use(u))} against its quota of ${fig(quota)} (${ch.rule})`;
      const reason = ch.which === 'peak' ? 'When the autoscaler scales up, the quota admission controller rejects the extra pods: scale-up stalls under load.' : 'The quota admission controller rejects pods beyond the quota: they never start.';
      const culpritOf = blame(ch.measure, dims, ch.which, u.namespace);
      if (culpritOf) risks.push({ level: ch.level, category: 'capacity', service: culpritOf.service, ref: culpritOf.ref, message: `${what}; caused by ${culpritOf.why}`, reason });
      else {
        const owner = after.quotas.get(u.namespace);
        const lowered = quotaLowered && b?.quota ? `quota lowered from ${fig(b.quota[ch.measure])}: ` : '';
        risks.push({ level: ch.level, category: 'capacity', service: owner?.service ?? '(cluster facts)', ref: owner?.ref ?? `namespace ${u.namespace}`, message: `${lowered}${what}`, reason });
      }
    }
  }
  const t = after.report.totals;
  const tb = before.report.totals;
  const scaled = (r: Resources, f: number): Resources => ({ cpu: r.cpu * f, memory: r.memory * f });
  for (const [which, use, useB, level, rule, share] of [
    ['replicas', t.requests, tb.requests, 'high', 'CAP005', 1],
    ['peak', t.peakRequests, tb.peakRequests, 'medium', 'CAP004', 1],
    ['replicas', t.requests, tb.requests, 'medium', 'headroom below 15%', 0.85],
  ] as const) {
    const dims = over(use, scaled(t.allocatable, share));
    if (!dims.length || !dims.some((d) => use[d] > useB[d])) continue;
    const c = blame('requests', dims, which);
    risks.push({
      level,
      category: 'capacity',
      service: c?.service ?? '(cluster facts)',
      ref: c?.ref ?? 'cluster',
      message: `cluster ${after.report.cluster}${which === 'peak' ? ' at peak' : ''} requests ${fig(use)} against ${fig(t.allocatable)} allocatable (${rule})${c ? `; caused by ${c.why}` : ''}`,
      reason: share < 1 ? 'Little room is left for rollouts (surge pods), HPA scale-up or a lost node.' : which === 'peak' ? 'At HPA maximum the nodes cannot take every pod: scale-up leaves pods Pending.' : "Requests beyond the nodes' allocatable leave pods Pending.",
    });
    break;
  }
  const wasUnplaced = new Map(before.report.unplaceable.map((x) => [x.workload, x.count]));
  const newly = after.report.unplaceable.filter((x) => x.count > (wasUnplaced.get(x.workload) ?? 0));
  if (newly.length) {
    const c = blame('requests', ['cpu', 'memory'], 'replicas');
    const victims = newly.map((x) => `${x.workload} ×${x.count - (wasUnplaced.get(x.workload) ?? 0)} (${x.reasons[0] ?? 'no node'})`).join(', ');
    risks.push({
      level: 'high',
      category: 'capacity',
      service: c?.service ?? '(cluster facts)',
      ref: c?.ref ?? 'cluster',
      message: `pods that no longer fit on any node (PLC001): ${victims}${c ? `; caused by ${c.why}` : ''}`,
      reason: 'A pod no node can take stays Pending.',
    });
  }
  return risks;
}
