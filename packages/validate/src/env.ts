import { cores, gib, namespaceFacts, parseBytes, parseCpu, YamlSource, type ClusterFacts } from '@carbon/platform';
import type { RenderedObject } from '@carbon/render';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { allowedDisruptions } from './checks/cluster.ts';
import { podGroups, selectorMatches, type PodGroup, type Resources } from './pods.ts';
import type { ClusterView, Emit, FindingPlace } from './types.ts';

export type NodeState = {
  name: string;
  labels: Record<string, string>;
  allocatable: { cpu: number; memory: number; pods: number };
  used: { cpu: number; memory: number; pods: number };
  limits: Resources;
  pods: PodInstance[];
};

export type PodInstance = { group: PodGroup; index: number; node?: string };

export type Unplaceable = { pod: PodInstance; reasons: string[] };

export type Placement = { nodes: NodeState[]; unplaceable: Unplaceable[] };

export function nodesOf(facts: ClusterFacts): NodeState[] {
  return facts.nodes.map((n) => ({
    name: n.name,
    labels: { 'kubernetes.io/hostname': n.name, 'kubernetes.io/os': 'linux', ...n.labels },
    allocatable: { cpu: parseCpu(n.allocatable.cpu), memory: parseBytes(n.allocatable.memory), pods: n.allocatable.pods },
    used: { cpu: 0, memory: 0, pods: 0 },
    limits: { cpu: 0, memory: 0 },
    pods: [],
  }));
}

function nodeSelectorOk(spec: Record<string, any>, node: NodeState): string | undefined {
  for (const [k, v] of Object.entries((spec.nodeSelector ?? {}) as Record<string, string>)) if (node.labels[k] !== v) return `nodeSelector ${k}=${v} does not match`;
  const terms = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms as any[] | undefined;
  if (terms?.length && !terms.some((t) => selectorMatches({ matchExpressions: t.matchExpressions ?? [] }, node.labels))) return 'required node affinity does not match';
  return undefined;
}

const antiTerms = (spec: Record<string, any>): any[] => spec.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [];
const spreads = (spec: Record<string, any>): any[] => (spec.topologySpreadConstraints ?? []).filter((c: any) => (c.whenUnsatisfiable ?? 'DoNotSchedule') === 'DoNotSchedule');

/** Why `p` cannot go on `node` given what is already placed, or undefined when it fits. */
function misfit(p: PodInstance, node: NodeState, all: NodeState[]): string | undefined {
  const g = p.group;
  const sel = nodeSelectorOk(g.spec, node);
  if (sel) return sel;
  if (node.used.cpu + g.requests.cpu > node.allocatable.cpu) return `insufficient cpu (needs ${cores(g.requests.cpu)}, free ${cores(node.allocatable.cpu - node.used.cpu)})`;
  if (node.used.memory + g.requests.memory > node.allocatable.memory) return `insufficient memory (needs ${gib(g.requests.memory)} GiB, free ${gib(node.allocatable.memory - node.used.memory)} GiB)`;
  if (node.used.pods + 1 > node.allocatable.pods) return 'too many pods';
  const domainPods = (key: string) => all.filter((n) => n.labels[key] !== undefined && n.labels[key] === node.labels[key]).flatMap((n) => n.pods);
  for (const t of antiTerms(g.spec)) {
    const namespaces: string[] = t.namespaces ?? [g.namespace];
    const clash = domainPods(t.topologyKey).find((q) => namespaces.includes(q.group.namespace) && selectorMatches(t.labelSelector, q.group.labels));
    if (clash) return `required anti-affinity (${t.topologyKey}) with ${clash.group.kind} ${clash.group.name}`;
  }
  for (const n of all)
    for (const q of n.pods)
      for (const t of antiTerms(q.group.spec)) {
        if (n.labels[t.topologyKey] === undefined || n.labels[t.topologyKey] !== node.labels[t.topologyKey]) continue;
        if ((t.namespaces ?? [q.group.namespace]).includes(g.namespace) && selectorMatches(t.labelSelector, g.labels)) return `anti-affinity of ${q.group.kind} ${q.group.name} (${t.topologyKey})`;
      }
  for (const c of spreads(g.spec)) {
    const key = c.topologyKey as string;
    if (node.labels[key] === undefined) return `topology spread needs node label ${key}`;
    const eligible = all.filter((n) => n.labels[key] !== undefined && !nodeSelectorOk(g.spec, n));
    const counts = new Map<string, number>();
    for (const n of eligible) counts.set(n.labels[key]!, (counts.get(n.labels[key]!) ?? 0) + n.pods.filter((q) => q.group.namespace === g.namespace && selectorMatches(c.labelSelector, q.group.labels)).length);
    const min = Math.min(...counts.values());
    const skew = (counts.get(node.labels[key]!) ?? 0) + 1 - min;
    if (skew > Number(c.maxSkew ?? 1)) return `topology spread on ${key} (skew ${skew} > maxSkew ${c.maxSkew ?? 1})`;
  }
  return undefined;
}

function put(p: PodInstance, node: NodeState): void {
  node.used.cpu += p.group.requests.cpu;
  node.used.memory += p.group.requests.memory;
  node.used.pods += 1;
  node.limits.cpu += p.group.limits.cpu;
  node.limits.memory += p.group.limits.memory;
  node.pods.push(p);
  p.node = node.name;
}

/**
 * Places every pod the way the scheduler's filters would (requests, node selectors/affinity,
 * required anti-affinity both ways, DoNotSchedule spread), largest first, each on the least
 * loaded feasible node. DaemonSet pods go one to each matching node.
 */
export function placePods(groups: PodGroup[], nodeTemplate: NodeState[], which: 'replicas' | 'peak' = 'replicas'): Placement {
  const nodes = nodeTemplate.map((n) => ({ ...n, used: { cpu: 0, memory: 0, pods: 0 }, limits: { cpu: 0, memory: 0 }, pods: [] as PodInstance[] }));
  const unplaceable: Unplaceable[] = [];
  for (const g of groups.filter((x) => x.daemon)) {
    for (const n of nodes) {
      if (nodeSelectorOk(g.spec, n)) continue;
      const p: PodInstance = { group: g, index: 0 };
      const why = misfit(p, n, nodes);
      if (why) unplaceable.push({ pod: p, reasons: [`${n.name}: ${why}`] });
      else put(p, n);
    }
  }
  const pods: PodInstance[] = groups.filter((x) => !x.daemon).flatMap((g) => Array.from({ length: g[which] }, (_, index) => ({ group: g, index })));
  const constrained = (g: PodGroup) => (antiTerms(g.spec).length || spreads(g.spec).length || g.spec.nodeSelector ? 1 : 0);
  pods.sort((a, b) => constrained(b.group) - constrained(a.group) || b.group.requests.cpu - a.group.requests.cpu || b.group.requests.memory - a.group.requests.memory || a.index - b.index);
  for (const p of pods) {
    const reasons: string[] = [];
    let best: NodeState | undefined;
    let bestScore = Infinity;
    for (const n of nodes) {
      const why = misfit(p, n, nodes);
      if (why) {
        reasons.push(`${n.name}: ${why}`);
        continue;
      }
      const score = Math.max((n.used.cpu + p.group.requests.cpu) / Math.max(n.allocatable.cpu, 1), (n.used.memory + p.group.requests.memory) / Math.max(n.allocatable.memory, 1));
      if (score < bestScore) {
        best = n;
        bestScore = score;
      }
    }
    if (best) put(p, best);
    else unplaceable.push({ pod: p, reasons });
  }
  return { nodes, unplaceable };
}

/** Where one pod ended up: by the model or by a real scheduler. `labels`/`requests`: the real pod's, when known. */
export type PlacedPod = { group: PodGroup; node: string; id: string; labels?: Record<string, string>; requests?: Resources };

/**
 * What must hold of any placement, whatever order the pods were scheduled in: the facts
 * `platform capacity` claims, per workload and per node. A real scheduler's placement and the
 * model's own must both pass; per-node counts are not among them (they depend on the order).
 */
export type PlacementRule = { workload: string; pods: number; rule: string };

const workloadOf = (g: PodGroup) => `${g.kind} ${g.namespace}/${g.name}`;

/** The order-independent placement facts the model claims, one line per constrained workload. */
export function placementRules(groups: PodGroup[], nodes: NodeState[], unplaceable: Unplaceable[] = []): PlacementRule[] {
  const out: PlacementRule[] = [];
  for (const g of groups) {
    const eligible = nodes.filter((n) => !nodeSelectorOk(g.spec, n)).map((n) => n.name);
    const pods = g.replicas - unplaceable.filter((u) => u.pod.group === g).length;
    const parts: string[] = [];
    if (g.daemon) parts.push(`one on each of ${eligible.length === nodes.length ? `the ${nodes.length} nodes` : eligible.join(', ')}`);
    else if (eligible.length < nodes.length) parts.push(`only on ${eligible.join(', ') || 'no node'} (node selector/affinity)`);
    // Rules among a workload's own pods say nothing about one pod: left out of the list (still checked).
    for (const t of antiTerms(g.spec)) {
      const own = selectorMatches(t.labelSelector, g.labels);
      if (!own || pods > 1) parts.push(own ? `no two on one ${t.topologyKey} (required anti-affinity)` : `not on a ${t.topologyKey} with pods matching ${JSON.stringify(t.labelSelector)} (required anti-affinity)`);
    }
    for (const c of spreads(g.spec)) if (pods > 1 || !selectorMatches(c.labelSelector, g.labels)) parts.push(`spread on ${c.topologyKey}, skew ≤ ${c.maxSkew ?? 1}`);
    if (parts.length) out.push({ workload: workloadOf(g), pods, rule: parts.join('; ') });
  }
  return out;
}

const sameDomain = (a: NodeState, b: NodeState, key: string) => a.labels[key] !== undefined && a.labels[key] === b.labels[key];

/**
 * Checks a placement against everything the model claims regardless of order: each workload
 * has its pods (its replicas minus those the model says cannot be placed), on nodes its
 * selector/affinity allows, required anti-affinity and DoNotSchedule spread hold, every node
 * stays within allocatable pods, CPU and memory (by the model's per-pod requests), and where the
 * real pod's requests are known they equal the model's. Returns each violated fact.
 */
export function placementViolations(groups: PodGroup[], nodeTemplate: NodeState[], placed: PlacedPod[], unplaceable: Unplaceable[] = []): string[] {
  const problems: string[] = [];
  const byName = new Map(nodeTemplate.map((n) => [n.name, n]));
  const podsOf = new Map<PodGroup, PlacedPod[]>(groups.map((g) => [g, []]));
  const onNode = new Map<string, PlacedPod[]>(nodeTemplate.map((n) => [n.name, []]));
  for (const p of placed) {
    const node = byName.get(p.node);
    if (!node) {
      problems.push(`${p.id} (${workloadOf(p.group)}): on ${p.node}, which cluster.yaml does not declare`);
      continue;
    }
    const mine = podsOf.get(p.group);
    if (!mine) {
      problems.push(`${p.id} (${workloadOf(p.group)}): a workload the model does not have`);
      continue;
    }
    mine.push(p);
    onNode.get(p.node)!.push(p);
  }
  const labelsOf = (p: PlacedPod) => p.labels ?? p.group.labels;
  for (const g of groups) {
    const mine = podsOf.get(g)!;
    const expected = g.replicas - unplaceable.filter((u) => u.pod.group === g).length;
    if (mine.length !== expected) problems.push(`${workloadOf(g)}: the model places ${expected} pod${expected === 1 ? '' : 's'}, ${mine.length} placed`);
    for (const p of mine) {
      const node = byName.get(p.node)!;
      const sel = nodeSelectorOk(g.spec, node);
      if (sel) problems.push(`${p.id} (${workloadOf(g)}) on ${p.node}: ${sel}`);
      if (p.requests && (p.requests.cpu !== g.requests.cpu || p.requests.memory !== g.requests.memory))
        problems.push(`${p.id} (${workloadOf(g)}): requests ${cores(p.requests.cpu)} vCPU / ${gib(p.requests.memory)} GiB, the model counts ${cores(g.requests.cpu)} vCPU / ${gib(g.requests.memory)} GiB`);
    }
    if (g.daemon) {
      const nodesWith = new Set(mine.map((p) => p.node));
      if (nodesWith.size !== mine.length) problems.push(`${workloadOf(g)}: DaemonSet with two pods on one node`);
    }
    for (const t of antiTerms(g.spec)) {
      const namespaces: string[] = t.namespaces ?? [g.namespace];
      for (const p of mine)
        for (const q of placed) {
          if (q === p || !namespaces.includes(q.group.namespace) || !selectorMatches(t.labelSelector, labelsOf(q))) continue;
          const a = byName.get(p.node);
          const b = byName.get(q.node);
          if (a && b && sameDomain(a, b, t.topologyKey) && (q.group !== g || p.id < q.id)) problems.push(`${p.id} and ${q.id} share ${t.topologyKey}=${a.labels[t.topologyKey]} against ${workloadOf(g)}'s required anti-affinity`);
        }
    }
    for (const c of spreads(g.spec)) {
      const key = c.topologyKey as string;
      const counts = new Map<string, number>();
      for (const n of nodeTemplate) if (n.labels[key] !== undefined && !nodeSelectorOk(g.spec, n)) counts.set(n.labels[key]!, counts.get(n.labels[key]!) ?? 0);
      for (const q of placed) {
        const n = byName.get(q.node);
        if (!n || !counts.has(n.labels[key] ?? '') || q.group.namespace !== g.namespace || !selectorMatches(c.labelSelector, labelsOf(q))) continue;
        counts.set(n.labels[key]!, counts.get(n.labels[key]!)! + 1);
      }
      if (!counts.size || !mine.length) continue;
      const skew = Math.max(...counts.values()) - Math.min(...counts.values());
      if (skew > Number(c.maxSkew ?? 1)) problems.push(`${workloadOf(g)}: spread on ${key} is ${JSON.stringify(Object.fromEntries(counts))}, skew ${skew} > maxSkew ${c.maxSkew ?? 1}`);
    }
  }
  for (const n of nodeTemplate) {
    const here = onNode.get(n.name)!;
    const cpu = here.reduce((s, p) => s + p.group.requests.cpu, 0);
    const memory = here.reduce((s, p) => s + p.group.requests.memory, 0);
    if (here.length > n.allocatable.pods) problems.push(`node ${n.name}: ${here.length} pods, allocatable ${n.allocatable.pods}`);
    if (cpu > n.allocatable.cpu) problems.push(`node ${n.name}: ${cores(cpu)} vCPU requested, allocatable ${cores(n.allocatable.cpu)}`);
    if (memory > n.allocatable.memory) problems.push(`node ${n.name}: ${gib(memory)} GiB requested, allocatable ${gib(n.allocatable.memory)}`);
  }
  return problems;
}

/** Unplaceable pods grouped per workload, for messages. */
export function describeUnplaceable(list: Unplaceable[]): { group: PodGroup; count: number; reasons: string[] }[] {
  const out = new Map<PodGroup, { group: PodGroup; count: number; reasons: string[] }>();
  for (const u of list) {
    const e = out.get(u.pod.group) ?? { group: u.pod.group, count: 0, reasons: u.reasons };
    e.count++;
    out.set(u.pod.group, e);
  }
  return [...out.values()];
}

export type NamespaceUsage = {
  namespace: string;
  pods: number;
  peakPods: number;
  requests: Resources;
  limits: Resources;
  peakRequests: Resources;
  peakLimits: Resources;
  pvcs: number;
  storage: number;
  quota?: { requests: Resources; limits: Resources; pods: number; pvcs: number; storage: number };
  /** Largest consumers of requests, for messages. */
  top: { name: string; kind: string; replicas: number; requests: Resources }[];
};

export type CapacityReport = {
  cluster: string;
  role?: string;
  nodes: { name: string; allocatable: { cpu: number; memory: number; pods: number }; requests: Resources; limits: Resources; pods: number; /** Requests on this node when every HPA is at maxReplicas (placed the same way). */ peakRequests: Resources }[];
  namespaces: NamespaceUsage[];
  totals: { allocatable: Resources & { pods: number; storage: number }; requests: Resources; limits: Resources; peakRequests: Resources; peakLimits: Resources; pods: number; peakPods: number; storage: number };
  unplaceable: { workload: string; count: number; reasons: string[] }[];
  /** Pods placed (steady state). With `unplaceable` and `rules`, what holds whatever order the scheduler uses. */
  placed: number;
  /** Per constrained workload: where its pods may go (selectors, anti-affinity, spread, DaemonSets). */
  rules: PlacementRule[];
};

function pvcBytes(ro: RenderedObject): number {
  try {
    return parseBytes((ro.object as any).spec?.resources?.requests?.storage ?? 0, 'storage');
  } catch {
    return 0;
  }
}

/** The fit of a cluster: per node (from placement), per namespace (against quota with LimitRange defaults), totals and peak. */
export function capacity(view: ClusterView & { facts: ClusterFacts }): { report: CapacityReport; groups: PodGroup[]; placement: Placement; nodes: NodeState[] } {
  const facts = view.facts;
  const nodes = nodesOf(facts);
  const groups = podGroups(view.objects, nodes.length, (ns) => namespaceFacts(facts, ns)?.limitRange);
  // DaemonSets run on every node their selector matches.
  for (const g of groups) if (g.daemon) g.replicas = g.peak = nodes.filter((n) => !nodeSelectorOk(g.spec, n)).length;
  const placement = placePods(groups, nodes);
  const peak = groups.some((g) => g.peak !== g.replicas) ? placePods(groups, nodes, 'peak') : placement;
  const usage = new Map<string, NamespaceUsage>();
  const zero = () => ({ cpu: 0, memory: 0 });
  const nsUsage = (ns: string): NamespaceUsage => {
    let u = usage.get(ns);
    if (!u) {
      const q = namespaceFacts(facts, ns)?.quota;
      u = { namespace: ns, pods: 0, peakPods: 0, requests: zero(), limits: zero(), peakRequests: zero(), peakLimits: zero(), pvcs: 0, storage: 0, top: [] };
      if (q)
        u.quota = {
          requests: { cpu: parseCpu(q.requests.cpu), memory: parseBytes(q.requests.memory) },
          limits: { cpu: parseCpu(q.limits.cpu), memory: parseBytes(q.limits.memory) },
          pods: q.pods,
          pvcs: q.persistentVolumeClaims,
          storage: parseBytes(q.storage, 'storage'),
        };
      usage.set(ns, u);
    }
    return u;
  };
  for (const ns of facts.namespaces) nsUsage(ns.name);
  for (const g of groups) {
    const u = nsUsage(g.namespace);
    u.pods += g.replicas;
    u.peakPods += g.peak;
    u.requests.cpu += g.requests.cpu * g.replicas;
    u.requests.memory += g.requests.memory * g.replicas;
    u.limits.cpu += g.limits.cpu * g.replicas;
    u.limits.memory += g.limits.memory * g.replicas;
    u.peakRequests.cpu += g.requests.cpu * g.peak;
    u.peakRequests.memory += g.requests.memory * g.peak;
    u.peakLimits.cpu += g.limits.cpu * g.peak;
    u.peakLimits.memory += g.limits.memory * g.peak;
    if (g.claimBytes) {
      u.pvcs += g.replicas;
      u.storage += g.claimBytes * g.replicas;
    }
    u.top.push({ name: g.name, kind: g.kind, replicas: g.replicas, requests: { cpu: g.requests.cpu * g.replicas, memory: g.requests.memory * g.replicas } });
  }
  for (const ro of view.objects.filter((x) => x.object.kind === 'PersistentVolumeClaim')) {
    const u = nsUsage(ro.object.metadata?.namespace ?? 'default');
    u.pvcs += 1;
    u.storage += pvcBytes(ro);
  }
  for (const u of usage.values()) u.top.sort((a, b) => b.requests.cpu - a.requests.cpu).splice(3);
  const sum = (f: (u: NamespaceUsage) => number) => [...usage.values()].reduce((n, u) => n + f(u), 0);
  const report: CapacityReport = {
    cluster: facts.name,
    role: facts.role,
    nodes: placement.nodes.map((n, i) => ({ name: n.name, allocatable: n.allocatable, requests: { cpu: n.used.cpu, memory: n.used.memory }, limits: n.limits, pods: n.used.pods, peakRequests: { cpu: peak.nodes[i]!.used.cpu, memory: peak.nodes[i]!.used.memory } })),
    namespaces: [...usage.values()].sort((a, b) => (a.namespace < b.namespace ? -1 : 1)),
    totals: {
      allocatable: {
        cpu: nodes.reduce((n, x) => n + x.allocatable.cpu, 0),
        memory: nodes.reduce((n, x) => n + x.allocatable.memory, 0),
        pods: nodes.reduce((n, x) => n + x.allocatable.pods, 0),
        storage: facts.nodes.reduce((n, x) => n + parseBytes(x.storage, 'storage'), 0),
      },
      requests: { cpu: sum((u) => u.requests.cpu), memory: sum((u) => u.requests.memory) },
      limits: { cpu: sum((u) => u.limits.cpu), memory: sum((u) => u.limits.memory) },
      peakRequests: { cpu: sum((u) => u.peakRequests.cpu), memory: sum((u) => u.peakRequests.memory) },
      peakLimits: { cpu: sum((u) => u.peakLimits.cpu), memory: sum((u) => u.peakLimits.memory) },
      pods: sum((u) => u.pods),
      peakPods: sum((u) => u.peakPods),
      storage: sum((u) => u.storage),
    },
    unplaceable: describeUnplaceable(placement.unplaceable).map((d) => ({ workload: `${d.group.kind} ${d.group.namespace}/${d.group.name}`, count: d.count, reasons: d.reasons })),
    placed: placement.nodes.reduce((n, x) => n + x.used.pods, 0),
    rules: placementRules(groups, nodes, placement.unplaceable),
  };
  return { report, groups, placement, nodes };
}

const fig = (r: Resources) => `${cores(r.cpu)} vCPU / ${gib(r.memory)} GiB`;

/** Capacity, scheduling, resilience and single-node checks. `root` locates cluster.yaml lines. */
export function environmentChecks(view: ClusterView, emit: Emit, root?: string): CapacityReport | undefined {
  if (!view.facts) {
    emit('POL002', undefined, `cluster ${view.cluster} declares no nodes or quotas (no clusters/${view.cluster}/cluster.yaml): capacity, scheduling and resilience checks skipped`);
    return undefined;
  }
  const facts = view.facts;
  const { report, groups, placement, nodes } = capacity({ ...view, facts });
  let src: YamlSource | undefined;
  try {
    src = root && existsSync(join(root, facts.file)) ? YamlSource.read(join(root, facts.file), facts.file) : undefined;
  } catch {
    src = undefined;
  }
  const factsAt = (field: string): FindingPlace => ({ file: facts.file, ...(src?.lineOf(field) ? { line: src.lineOf(field)!, column: 1 } : {}) });

  for (const u of report.namespaces) {
    const q = u.quota;
    if (!q) continue;
    const top = u.top.length ? ` (largest: ${u.top.map((t) => `${t.name} ${t.replicas}× = ${cores(t.requests.cpu)} vCPU`).join(', ')})` : '';
    if (u.requests.cpu > q.requests.cpu || u.requests.memory > q.requests.memory)
      emit('CAP001', factsAt(`spec.namespaces.${u.namespace}.quota.requests`), `namespace ${u.namespace} requests ${fig(u.requests)} against its quota of ${fig(q.requests)}${top}`);
    else if (u.peakRequests.cpu > q.requests.cpu || u.peakRequests.memory > q.requests.memory)
      emit('CAP004', factsAt(`spec.namespaces.${u.namespace}.quota.requests`), `namespace ${u.namespace} at peak (HPA max) requests ${fig(u.peakRequests)} against its quota of ${fig(q.requests)}`);
    if (u.limits.cpu > q.limits.cpu || u.limits.memory > q.limits.memory)
      emit('CAP002', factsAt(`spec.namespaces.${u.namespace}.quota.limits`), `namespace ${u.namespace} limits ${fig(u.limits)} against its quota of ${fig(q.limits)}`);
    else if (u.peakLimits.cpu > q.limits.cpu || u.peakLimits.memory > q.limits.memory)
      emit('CAP004', factsAt(`spec.namespaces.${u.namespace}.quota.limits`), `namespace ${u.namespace} at peak (HPA max) limits ${fig(u.peakLimits)} against its quota of ${fig(q.limits)}`);
    if (u.pods > q.pods) emit('CAP003', factsAt(`spec.namespaces.${u.namespace}.quota.pods`), `namespace ${u.namespace} runs ${u.pods} pods against a quota of ${q.pods}`);
    if (u.pvcs > q.pvcs) emit('CAP003', factsAt(`spec.namespaces.${u.namespace}.quota.persistentVolumeClaims`), `namespace ${u.namespace} claims ${u.pvcs} PVCs against a quota of ${q.pvcs}`);
    if (u.storage > q.storage) emit('CAP006', factsAt(`spec.namespaces.${u.namespace}.quota.storage`), `namespace ${u.namespace} claims ${gib(u.storage)} GiB of storage against a quota of ${gib(q.storage)} GiB`);
  }
  const t = report.totals;
  if (t.requests.cpu > t.allocatable.cpu || t.requests.memory > t.allocatable.memory)
    emit('CAP005', factsAt('spec.nodes'), `cluster ${view.cluster} requests ${fig(t.requests)} against ${fig(t.allocatable)} allocatable on ${nodes.length} node${nodes.length === 1 ? '' : 's'}`);
  else if (t.peakRequests.cpu > t.allocatable.cpu || t.peakRequests.memory > t.allocatable.memory)
    emit('CAP004', factsAt('spec.nodes'), `cluster ${view.cluster} at peak (HPA max) requests ${fig(t.peakRequests)} against ${fig(t.allocatable)} allocatable`);
  if (t.storage > t.allocatable.storage) emit('CAP006', factsAt('spec.nodes'), `cluster ${view.cluster} claims ${gib(t.storage)} GiB of storage against ${gib(t.allocatable.storage)} GiB declared on its nodes`);

  // Single node: rules one node can never satisfy.
  const single = nodes.length === 1;
  const impossible = new Set<PodGroup>();
  if (single) {
    for (const g of groups) {
      if (g.replicas < 2) continue;
      const i = antiTerms(g.spec).findIndex((term) => selectorMatches(term.labelSelector, g.labels));
      if (i >= 0) {
        impossible.add(g);
        emit('SNG001', g.owner, `${g.kind} ${g.name}: ${g.replicas} replicas with required anti-affinity on ${antiTerms(g.spec)[i].topologyKey} can never all run on one node`, [...g.templatePath, 'affinity', 'podAntiAffinity']);
      }
    }
  }
  for (const d of describeUnplaceable(placement.unplaceable)) {
    if (impossible.has(d.group)) continue;
    const total = d.group.daemon ? nodes.length : d.group.replicas;
    emit('PLC001', d.group.owner, `${d.group.kind} ${d.group.name}: ${d.count} of ${total} pod${total === 1 ? '' : 's'} cannot be placed — ${d.reasons.join('; ')}`, d.group.templatePath);
  }

  // PDBs: a drain needs at least one allowed disruption.
  for (const ro of view.objects.filter((x) => x.object.kind === 'PodDisruptionBudget')) {
    const s = (ro.object as any).spec ?? {};
    const matched = groups.filter((g) => g.namespace === (ro.object.metadata?.namespace ?? 'default') && selectorMatches(s.selector, g.labels));
    if (!matched.length) continue;
    const replicas = matched.reduce((n, g) => n + g.replicas, 0);
    if (allowedDisruptions(s, replicas) >= 1) continue;
    const what = `${s.minAvailable !== undefined ? `minAvailable ${s.minAvailable}` : `maxUnavailable ${s.maxUnavailable}`} with ${replicas} replica${replicas === 1 ? '' : 's'}`;
    emit(single ? 'SNG002' : 'RES002', ro, `PodDisruptionBudget ${ro.object.metadata?.name} allows no eviction (${what}): draining ${single ? 'the node' : 'a node'} blocks`, ['spec']);
  }

  if (!single) {
    const before = new Set(placement.unplaceable.map((u) => u.pod));
    for (const lost of nodes) {
      const rest = nodes.filter((n) => n !== lost);
      const again = placePods(groups.filter((g) => !g.daemon), rest);
      const newly = again.unplaceable.filter((u) => ![...before].some((b) => b.group === u.pod.group && b.index === u.pod.index));
      if (!newly.length) continue;
      const parts = describeUnplaceable(newly).map((d) => `${d.group.name} ×${d.count} (${d.reasons[0] ?? 'no node'})`);
      emit('RES001', factsAt('spec.nodes'), `losing node ${lost.name} leaves ${newly.length} pod${newly.length === 1 ? '' : 's'} unplaceable: ${parts.join(', ')}`);
    }
    for (const g of groups) {
      if (!g.stateless) continue;
      if (g.replicas < 2) {
        // A workload that can only ever run one pod says why on its pod template (the generator writes
        // a definition's `singleton` reason there): the reason travels with the object, reviewers see it in diffs.
        if (singletonReason(g.owner)) continue;
        emit('RES003', g.owner, `${g.kind} ${g.name} is stateless but runs ${g.replicas} replica on a ${nodes.length}-node cluster`, ['spec', 'replicas']);
        continue;
      }
      const spreadsByHost = antiTerms(g.spec).some((x) => selectorMatches(x.labelSelector, g.labels)) || spreads(g.spec).some((c) => selectorMatches(c.labelSelector, g.labels));
      if (!spreadsByHost) emit('RES004', g.owner, `${g.kind} ${g.name}: nothing keeps its ${g.replicas} replicas on distinct nodes`, g.templatePath);
    }
  }
  return report;
}

export const SINGLETON_ANNOTATION = 'platform.254carbon.com/singleton-reason';

function singletonReason(owner: RenderedObject): string | undefined {
  const reason = (owner.object as { spec?: { template?: { metadata?: { annotations?: Record<string, unknown> } } } }).spec?.template?.metadata?.annotations?.[SINGLETON_ANNOTATION];
  return typeof reason === 'string' && reason.trim() !== '' ? reason : undefined;
}
