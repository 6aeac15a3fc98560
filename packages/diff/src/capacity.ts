import { parseBytes, parseCpu, type ClusterFacts } from '@carbon/platform';
import type { RenderedObject } from '@carbon/render';
import { podGroups } from '@carbon/validate';
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
