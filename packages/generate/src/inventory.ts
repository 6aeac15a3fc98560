import { forCluster, parseBytes, parseCpu, type ClusterFacts } from '@carbon/platform';
import { replicasFor } from '@carbon/manifests';
import { unpinnedServices, type PlatformSources } from './load.ts';

export interface NamespaceInventory {
  namespace: string;
  services: string[];
  pods: number;
  cpuRequests: number;
  memoryRequests: number;
  cpuLimits: number;
  memoryLimits: number;
  quotaCpu: number;
  quotaMemory: number;
}

export interface ClusterInventory {
  cluster: string;
  role: string;
  nodes: number;
  allocatableCpu: number;
  allocatableMemory: number;
  services: number;
  workloads: number;
  namespaces: NamespaceInventory[];
  /** Services defined but not deployed here: a pinned cluster without a pin for them yet (counted nowhere above). */
  notDeployed: string[];
}

/**
 * What each cluster runs, summed from the definitions (replicas × container requests; DaemonSets × nodes).
 * A quick picture for people; the full capacity model with HPA peaks and scheduling is `platform capacity`.
 */
export function inventory(p: PlatformSources): ClusterInventory[] {
  return p.clusters.map((c) => clusterInventory(p, c));
}

function clusterInventory(p: PlatformSources, c: ClusterFacts): ClusterInventory {
  const rows = new Map<string, NamespaceInventory>();
  let workloads = 0;
  for (const ns of c.namespaces) {
    rows.set(ns.name, {
      namespace: ns.name,
      services: [],
      pods: 0,
      cpuRequests: 0,
      memoryRequests: 0,
      cpuLimits: 0,
      memoryLimits: 0,
      quotaCpu: parseCpu(ns.quota.requests.cpu),
      quotaMemory: parseBytes(ns.quota.requests.memory),
    });
  }
  const notDeployed = unpinnedServices(p).filter((u) => u.cluster === c.name).map((u) => u.service);
  const deployed = p.services.filter((s) => !notDeployed.includes(s.definition.name));
  for (const s of deployed) {
    const row = rows.get(s.definition.namespace);
    if (!row) continue;
    row.services.push(s.definition.name);
    for (const w of s.definition.workloads) {
      workloads += 1;
      const pods = w.kind === 'DaemonSet' ? c.nodes.length : replicasFor(w, c.name);
      const r = forCluster(w.resources, c.name)!;
      row.pods += pods;
      row.cpuRequests += pods * parseCpu(r.requests.cpu);
      row.memoryRequests += pods * parseBytes(r.requests.memory);
      row.cpuLimits += pods * parseCpu(r.limits.cpu);
      row.memoryLimits += pods * parseBytes(r.limits.memory);
    }
    for (const o of s.definition.operatedPods ?? []) {
      const pods = forCluster(o.replicas, c.name) ?? 0;
      const r = forCluster(o.resources, c.name)!;
      row.pods += pods;
      row.cpuRequests += pods * parseCpu(r.requests.cpu);
      row.memoryRequests += pods * parseBytes(r.requests.memory);
      row.cpuLimits += pods * parseCpu(r.limits.cpu);
      row.memoryLimits += pods * parseBytes(r.limits.memory);
    }
  }
  return {
    cluster: c.name,
    role: c.role,
    nodes: c.nodes.length,
    allocatableCpu: c.nodes.reduce((a, n) => a + parseCpu(n.allocatable.cpu), 0),
    allocatableMemory: c.nodes.reduce((a, n) => a + parseBytes(n.allocatable.memory), 0),
    services: deployed.length,
    workloads,
    namespaces: [...rows.values()],
    notDeployed,
  };
}
