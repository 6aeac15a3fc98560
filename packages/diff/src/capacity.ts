import { parseBytes, parseCpu, type ClusterFacts } from '@carbon/platform';
import type { CapacityChange, Headroom, K8sObject, Risk, ServiceObjects } from './types.ts';

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

function safe<T>(f: () => T, fallback: T): T {
  try {
    return f();
  } catch {
    return fallback;
  }
}

/** Requests of one pod: containers summed, init containers as the max (they run one at a time before). */
function podRequests(spec: Record<string, any> | undefined): { cpu: number; memory: number } {
  if (!spec) return { cpu: 0, memory: 0 };
  let cpu = 0;
  let memory = 0;
  for (const c of (spec.containers ?? []) as Array<Record<string, any>>) {
    cpu += safe(() => parseCpu(c.resources?.requests?.cpu ?? 0), 0);
    memory += safe(() => parseBytes(c.resources?.requests?.memory ?? 0), 0);
  }
  for (const c of (spec.initContainers ?? []) as Array<Record<string, any>>) {
    cpu = Math.max(cpu, safe(() => parseCpu(c.resources?.requests?.cpu ?? 0), 0));
    memory = Math.max(memory, safe(() => parseBytes(c.resources?.requests?.memory ?? 0), 0));
  }
  return { cpu, memory };
}

/** Steady-state requests of a rendering: Deployments/StatefulSets × replicas, DaemonSets × nodes; HPAs at their minimum when above replicas. */
export function requestedBy(services: ServiceObjects, nodes: number): { cpu: number; memory: number } {
  const all: K8sObject[] = [...services.values()].flat();
  const hpaMin = new Map<string, number>();
  for (const o of all) {
    if (o.kind !== 'HorizontalPodAutoscaler') continue;
    const t = (o.spec as any)?.scaleTargetRef;
    if (t?.name) hpaMin.set(`${t.kind}/${o.metadata.namespace ?? ''}/${t.name}`, Number((o.spec as any)?.minReplicas ?? 1));
  }
  let cpu = 0;
  let memory = 0;
  for (const o of all) {
    let count = 0;
    if (o.kind === 'Deployment' || o.kind === 'StatefulSet') {
      const replicas = typeof (o.spec as any)?.replicas === 'number' ? (o.spec as any).replicas : 1;
      count = Math.max(replicas, hpaMin.get(`${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`) ?? 0);
    } else if (o.kind === 'DaemonSet') count = nodes;
    else continue;
    const r = podRequests((o.spec as any)?.template?.spec);
    cpu += r.cpu * count;
    memory += r.memory * count;
  }
  return { cpu, memory };
}

function headroom(input: CapacityInput, used: { cpu: number; memory: number }): Headroom {
  return {
    cpuMillicores: { requested: used.cpu, allocatable: input.allocatableCpu },
    memoryBytes: { requested: used.memory, allocatable: input.allocatableMemory },
  };
}

export const SIMPLE_MODEL = 'sum of pod requests (replicas, HPA minimum, DaemonSet × nodes) vs node allocatable';

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
      risks.push({ level: 'high', category: 'capacity', service: '(cluster)', ref: 'cluster', message: `${label} requests exceed node allocatable after this change (${pct(a)} of allocatable)` });
    } else if (a.requested > 0.85 * a.allocatable && a.requested > b.requested) {
      risks.push({ level: 'medium', category: 'capacity', service: '(cluster)', ref: 'cluster', message: `${label} headroom drops below 15% (${pct(a)} of allocatable requested)` });
    }
  }
  return risks;
}

function pct(x: { requested: number; allocatable: number }): string {
  return x.allocatable > 0 ? `${Math.round((100 * x.requested) / x.allocatable)}%` : 'n/a';
}
