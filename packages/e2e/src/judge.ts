import type { ClusterFacts } from '@carbon/platform';
import type { FluxKustomization, RenderedObject } from '@carbon/render';
import { capacity, placementViolations, podResources, type PlacedPod, type PodGroup } from '@carbon/validate';
import { ready, type ControlPlane } from './cluster.ts';
import type { Drop } from './bootstrap.ts';
import { KubeError, type KubeObject } from './kube.ts';
import type { Supervisor } from './supervisor.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const FLUX_K = 'kustomize.toolkit.fluxcd.io/v1';

export class JudgementError extends Error {
  override readonly name = 'JudgementError';
}

/** Where a rendered object comes from, for messages: generated file and the service definition. */
export function origin(ro: RenderedObject | undefined): string {
  if (!ro) return '(not in the rendered tree)';
  return [ro.sourceFile ? `${ro.sourceFile}${ro.line ? `:${ro.line}` : ''}` : undefined, ro.generatedFrom ? `from ${ro.generatedFrom}` : undefined, ro.commit ? `at ${ro.commit.slice(0, 12)}` : undefined].filter(Boolean).join(' ');
}

const key = (kind: string, namespace: string | undefined, name: string) => `${kind}/${namespace ? `${namespace}/` : ''}${name}`;

/** Rendered objects indexed by kind/namespace/name and by kind/name. */
export function renderIndex(kustomizations: FluxKustomization[]): Map<string, RenderedObject> {
  const m = new Map<string, RenderedObject>();
  for (const k of kustomizations)
    for (const ro of k.objects) {
      const o = ro.object as KubeObject;
      m.set(key(o.kind, o.metadata?.namespace, o.metadata?.name), ro);
      if (!m.has(key(o.kind, undefined, o.metadata?.name))) m.set(key(o.kind, undefined, o.metadata?.name), ro);
    }
  return m;
}

/** Objects a Kustomization message names (`Kind/namespace/name` or `Kind/name`), with their origin. */
export function objectsNamedIn(message: string, index: Map<string, RenderedObject>): string[] {
  const out = new Set<string>();
  for (const m of message.matchAll(/\b([A-Z][A-Za-z]+)\/([a-z0-9.-]+)(?:\/([a-z0-9.-]+))?/g)) {
    const ro = m[3] ? index.get(key(m[1]!, m[2], m[3])) : index.get(key(m[1]!, undefined, m[2]!));
    if (ro) out.add(`${m[0]} — ${origin(ro)}`);
  }
  return [...out];
}

type ReadyState = { name: string; ready: boolean; message: string; since?: string; revision?: string };

async function kustomizationStates(cp: ControlPlane): Promise<ReadyState[]> {
  const ks = await cp.kube.list(FLUX_K, 'Kustomization', 'flux-system');
  return ks.map((k) => {
    const c = (k.status?.conditions ?? []).find((x: any) => x.type === 'Ready');
    return { name: k.metadata.name, ready: c?.status === 'True', message: c?.message ?? 'no Ready condition yet', since: c?.lastTransitionTime, revision: k.status?.lastAppliedRevision };
  });
}

/**
 * Waits until every Flux Kustomization the render expects exists and is Ready. On timeout, each
 * one not Ready is reported with its condition message and the objects it names.
 */
export async function waitKustomizations(cp: ControlPlane, sup: Supervisor, expected: FluxKustomization[], index: Map<string, RenderedObject>, timeoutMs: number, log: (s: string) => void): Promise<ReadyState[]> {
  const deadline = Date.now() + timeoutMs;
  const names = expected.map((k) => k.name).filter((n) => n !== '');
  let last = '';
  // First time each was seen Ready: a Kustomization reconciles again later (Ready → Unknown →
  // Ready), so the condition's lastTransitionTime says nothing about dependsOn order.
  const firstReady = new Map<string, string>();
  for (;;) {
    sup.checkAlive();
    const states = await kustomizationStates(cp).catch(() => [] as ReadyState[]);
    for (const s of states) if (s.ready && !firstReady.has(s.name)) firstReady.set(s.name, new Date().toISOString());
    for (const s of states) if (firstReady.has(s.name)) s.since = firstReady.get(s.name)!;
    const byName = new Map(states.map((s) => [s.name, s]));
    const pending = names.filter((n) => !byName.get(n)?.ready);
    const progress = `${cp.cluster}: ${names.length - pending.length}/${names.length} Kustomizations Ready`;
    if (progress !== last) log(progress);
    last = progress;
    if (!pending.length) return states;
    if (Date.now() > deadline) {
      const lines = pending.map((n) => {
        const s = byName.get(n);
        const named = objectsNamedIn(s?.message ?? '', index);
        return `  Kustomization flux-system/${n}: ${s ? s.message : 'never created'}${named.length ? `\n    objects: ${named.join('\n             ')}` : ''}`;
      });
      throw new JudgementError(`${cp.cluster}: ${pending.length} Kustomization(s) not Ready after ${Math.round(timeoutMs / 1000)} s:\n${lines.join('\n')}`);
    }
    await sleep(1000);
  }
}

/** Each Kustomization became Ready (first seen, 1 s polling) no earlier than everything it dependsOn. */
export function dependsOnOrder(states: ReadyState[], expected: FluxKustomization[]): string[] {
  const at = new Map(states.map((s) => [s.name, s.since ? Date.parse(s.since) : NaN]));
  const problems: string[] = [];
  for (const k of expected)
    for (const d of k.dependsOn) {
      const a = at.get(k.name)!;
      const b = at.get(d.name)!;
      if (a < b) problems.push(`Kustomization ${k.name} was Ready at ${new Date(a).toISOString()}, before its dependency ${d.name} (${new Date(b).toISOString()})`);
    }
  return problems;
}

/** A pod the scheduler bound (Job pods left out): what the placement judgement needs of it. */
export type BoundPod = { namespace: string; name: string; node: string; owner?: { kind: string; name: string }; labels: Record<string, string>; spec: Record<string, any> };

export type PodCheck = { pods: number; running: number; succeeded: number; perNode: Record<string, number>; bound: BoundPod[]; problems: string[] };

const ownerOf = (o: KubeObject) => (o.metadata.ownerReferences ?? [])[0] as { kind: string; name: string } | undefined;

/** Every pod bound by the scheduler to a KWOK node and Ready (Job pods: Succeeded); every Job complete. */
export async function checkPods(cp: ControlPlane): Promise<PodCheck> {
  const nodes = new Set((await cp.kube.list('v1', 'Node')).filter((n) => n.metadata.annotations?.['kwok.x-k8s.io/node'] === 'fake').map((n) => n.metadata.name));
  const pods = await cp.kube.list('v1', 'Pod');
  const problems: string[] = [];
  const perNode: Record<string, number> = {};
  const bound: BoundPod[] = [];
  let running = 0;
  let succeeded = 0;
  for (const p of pods) {
    const id = `Pod ${p.metadata.namespace}/${p.metadata.name}`;
    const node = p.spec.nodeName as string | undefined;
    if (!node) {
      const why = (p.status?.conditions ?? []).find((c: any) => c.type === 'PodScheduled')?.message ?? 'not scheduled';
      problems.push(`${id}: not scheduled: ${why}`);
      continue;
    }
    if (!nodes.has(node)) problems.push(`${id}: on ${node}, not a KWOK node`);
    const owner = ownerOf(p);
    if (owner?.kind !== 'Job') {
      perNode[node] = (perNode[node] ?? 0) + 1;
      bound.push({ namespace: p.metadata.namespace ?? 'default', name: p.metadata.name, node, ...(owner ? { owner: { kind: owner.kind, name: owner.name } } : {}), labels: p.metadata.labels ?? {}, spec: p.spec });
    }
    if (p.status?.phase === 'Succeeded') succeeded++;
    else if (p.status?.phase === 'Running' && ready(p)) running++;
    else problems.push(`${id} on ${node}: phase ${p.status?.phase}, not Ready`);
  }
  for (const j of await cp.kube.list('batch/v1', 'Job'))
    if (!(j.status?.conditions ?? []).some((c: any) => c.type === 'Complete' && c.status === 'True')) problems.push(`Job ${j.metadata.namespace}/${j.metadata.name}: not complete`);
  return { pods: pods.length, running, succeeded, perNode, bound, problems };
}

/** Polls checkPods until it holds (pods can trail the Kustomizations by a heartbeat). */
export async function waitPods(cp: ControlPlane, sup: Supervisor, timeoutMs: number): Promise<PodCheck> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    sup.checkAlive();
    const c = await checkPods(cp);
    if (!c.problems.length) return c;
    if (Date.now() > deadline) throw new JudgementError(`${cp.cluster}: pods not all scheduled and Ready after ${Math.round(timeoutMs / 1000)} s:\n  ${c.problems.join('\n  ')}`);
    await sleep(1000);
  }
}

/** Kinds whose presence in the API server shows it accepted them (no controller runs for most). */
export const ACCEPTED_KINDS = ['HorizontalPodAutoscaler', 'PodDisruptionBudget', 'NetworkPolicy', 'ServiceMonitor', 'Certificate', 'ExternalSecret'];

/**
 * Every rendered object (minus the explicit drops) exists in the API server. Returns the count
 * found, per accepted kind, and each missing object with its file and definition.
 */
export async function checkApplied(cp: ControlPlane, kustomizations: FluxKustomization[], drops: Drop[]): Promise<{ applied: number; byKind: Record<string, number>; missing: string[] }> {
  const dropped = new Set(drops.map((d) => `${d.kind}/${d.name}`));
  let applied = 0;
  const byKind: Record<string, number> = {};
  const missing: string[] = [];
  const objects = kustomizations.flatMap((k) => k.objects).filter((ro) => !dropped.has(`${ro.object.kind}/${ro.object.metadata?.name}`));
  const queue = [...objects];
  const worker = async () => {
    for (let ro = queue.shift(); ro; ro = queue.shift()) {
      const o = ro.object as KubeObject;
      let got: KubeObject | undefined;
      try {
        got = await cp.kube.get(o.apiVersion, o.kind, o.metadata.name, o.metadata.namespace);
      } catch (e) {
        if (!(e instanceof KubeError)) throw e;
      }
      if (!got) {
        missing.push(`${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name} — ${origin(ro)} (Kustomization ${ro.kustomization})`);
        continue;
      }
      applied++;
      if (ACCEPTED_KINDS.includes(o.kind)) byKind[o.kind] = (byKind[o.kind] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return { applied, byKind, missing };
}

/** Pods the model counts that no controller here creates (the operator's StatefulSets). */
export const OPERATOR_KINDS = new Set(['Prometheus', 'Alertmanager']);

export type PlacementComparison = {
  /** The model's example split per node (not a claim: it depends on order), for the report. */
  predicted: Record<string, number>;
  actual: Record<string, number>;
  /** Pods the model places in total, and the scheduler bound. */
  placed: { model: number; scheduler: number };
  predictedUnplaceable: string[];
  /** The order-independent facts checked (constrained workloads), as `platform capacity` prints them. */
  rules: number;
  differences: string[];
};

/** The workload (pod group) a real pod belongs to, through its owner: ReplicaSet → Deployment by the name's hash suffix. */
export function groupOfPod(pod: BoundPod, groups: PodGroup[]): PodGroup | undefined {
  const find = (kind: string, name: string) => groups.find((g) => g.kind === kind && g.namespace === pod.namespace && g.name === name);
  const o = pod.owner;
  if (!o) return find('Pod', pod.name);
  if (o.kind === 'ReplicaSet') return find('ReplicaSet', o.name) ?? find('Deployment', o.name.replace(/-[a-z0-9]+$/, ''));
  return find(o.kind, o.name);
}

/**
 * Where the real scheduler put the pods, against what `platform capacity` claims whatever the
 * order: the same number of pods placed, the same unplaceable workloads, each workload's pods on
 * nodes its selectors allow, required anti-affinity and spread held, every node within
 * allocatable, each pod's admitted requests equal to the model's. Per-node counts are reported,
 * not compared (the model's split is one feasible placement). Job pods are outside both sides;
 * operator-made pods are left out of the model because prometheus-operator does not run here.
 */
export function comparePlacement(facts: ClusterFacts, kustomizations: FluxKustomization[], actual: PodCheck, unscheduled: string[]): PlacementComparison {
  const objects = kustomizations.flatMap((k) => k.objects).filter((ro) => !OPERATOR_KINDS.has(ro.object.kind ?? ''));
  const { report, groups, placement, nodes } = capacity({ cluster: facts.name, facts, objects, kustomizations });
  const predicted = Object.fromEntries(report.nodes.map((n) => [n.name, n.pods]));
  const differences: string[] = [];
  const placed: PlacedPod[] = [];
  for (const p of actual.bound) {
    const group = groupOfPod(p, groups);
    const id = `Pod ${p.namespace}/${p.name}`;
    if (!group) {
      differences.push(`${id} (owner ${p.owner ? `${p.owner.kind} ${p.owner.name}` : 'none'}): no workload in the capacity model`);
      continue;
    }
    placed.push({ group, node: p.node, id, labels: p.labels, requests: podResources(p.spec).requests });
  }
  if (report.placed !== actual.bound.length) differences.push(`pods placed: capacity model ${report.placed}, the scheduler bound ${actual.bound.length}`);
  differences.push(...placementViolations(groups, nodes, placed, placement.unplaceable));
  const predictedUnplaceable = report.unplaceable.map((u) => `${u.workload} ×${u.count}`);
  if (predictedUnplaceable.length !== unscheduled.length) differences.push(`unplaceable: model ${predictedUnplaceable.join(', ') || 'none'}; scheduler left ${unscheduled.join(', ') || 'none'} pending`);
  return { predicted, actual: actual.perNode, placed: { model: report.placed, scheduler: actual.bound.length }, predictedUnplaceable, rules: report.rules.length, differences };
}
