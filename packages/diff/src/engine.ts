import { documentText, type RenderedObject } from '@carbon/render';
import { podTemplateOf } from '@carbon/validate';
import { DEFAULT_CONFIG, ignoreFilter, stripIgnored, type DiffConfig } from './config.ts';
import { canonical, diffFields, type PathFilter } from './fields.ts';
import { createMasker, maskObject, type Masker } from './mask.ts';
import { capacityChange, capacityRisks, headroomRisks, type CapacityInput, type CapacitySnapshot } from './capacity.ts';
import { assessRisks, sortRisks } from './risks.ts';
import type { CapacityChange, FieldChange, K8sObject, RepeatedChange, ResourceChange, ResourceId, SectionKind, SectionReport, ServiceObjects, ServiceSummary, ShownValue } from './types.ts';

/**
 * What a reviewer needs to see of a new workload (a new service's PR used to say only
 * "Deployment data-platform/redis added"): replicas, the pod's security context, and per container
 * its image, resources and security context. Values come from the masked object; nothing else of
 * it (env, volumes, probes) is listed.
 */
export function addedWorkloadFields(o: K8sObject): FieldChange[] {
  if (o.kind === 'Pod') return [];
  const t = podTemplateOf({ object: o } as unknown as RenderedObject);
  if (!t) return [];
  const out: FieldChange[] = [];
  const add = (path: string, v: unknown) => {
    if (v !== undefined && v !== null) out.push({ path, op: 'added', after: v as ShownValue });
  };
  add('spec.replicas', (o.spec as { replicas?: unknown } | undefined)?.replicas);
  const base = t.path.join('.');
  add(`${base}.securityContext`, t.spec.securityContext);
  for (const field of ['initContainers', 'containers'] as const) {
    for (const c of (t.spec[field] as Record<string, unknown>[] | undefined) ?? []) {
      const at = `${base}.${field}[name=${String(c.name)}]`;
      for (const key of ['image', 'resources', 'securityContext']) add(`${at}.${key}`, c[key]);
    }
  }
  return out;
}

export function resourceId(o: K8sObject): ResourceId {
  const api = o.apiVersion ?? '';
  return { group: api.includes('/') ? api.split('/')[0]! : '', kind: o.kind, namespace: o.metadata?.namespace ?? '', name: o.metadata?.name ?? '' };
}

export function idKey(id: ResourceId): string {
  return `${id.group}/${id.kind}/${id.namespace}/${id.name}`;
}

export function refOf(id: ResourceId): string {
  return `${id.kind} ${id.namespace ? `${id.namespace}/` : ''}${id.name}`;
}

interface Entry {
  id: ResourceId;
  key: string;
  service: string;
  /** The YAML text the object was parsed from, when known (see `documentText`). */
  text: string | undefined;
  /** The masked object, computed (and, for lazily parsed objects, parsed) on first access. */
  readonly object: K8sObject;
}

function index(services: ServiceObjects, masker: Masker, textOf: (o: K8sObject) => string | undefined): Map<string, Entry> {
  const out = new Map<string, Entry>();
  for (const [service, objects] of [...services.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    for (const o of objects) {
      // Only the header (apiVersion, kind, metadata) is read here: a lazily parsed spec stays unparsed.
      if (!o || typeof o !== 'object' || !o.kind || !o.metadata?.name) continue;
      const id = resourceId(o);
      const key = idKey(id);
      // The same object applied by two Kustomizations: Flux fights over it; the first service wins here.
      if (out.has(key)) continue;
      let masked: K8sObject | undefined;
      out.set(key, {
        id,
        key,
        service,
        text: textOf(o),
        get object() {
          return (masked ??= maskObject(o, masker));
        },
      });
    }
  }
  return out;
}

/** Same service, same document text: the object is unchanged, no need to parse, mask or compare it. */
function identical(b: Entry, h: Entry): boolean {
  return b.service === h.service && b.text !== undefined && b.text === h.text;
}

export interface SectionInput {
  cluster: string;
  kind: SectionKind;
  title: string;
  base: ServiceObjects;
  head: ServiceObjects;
  capacity?: { base?: CapacityInput; head?: CapacityInput };
  /** Flux Kustomizations (services) with `spec.prune: false` at base: their removals are orphaned, not deleted. */
  noPrune?: ReadonlySet<string>;
  /** Headroom computed by a richer model (validate's capacity); wins over `capacity`. */
  headroom?: CapacityChange;
  /** Both renderings through validate's capacity model: quota, peak and placement risks blamed on the workload that grew. */
  snapshots?: { before: CapacitySnapshot; after: CapacitySnapshot };
}

export interface EngineOptions {
  config?: DiffConfig;
  masker?: Masker;
  /**
   * Skip objects whose YAML text is byte-identical at base and head in the same service (default
   * true): they are unchanged, so they are never parsed beyond their header, masked or compared.
   * The text comes from `documentText` (objects made by @carbon/render's lazy parser); objects
   * without one are always compared. `false` compares everything (tests prove both agree).
   */
  skipIdentical?: boolean;
}

/** kustomize's configMapGenerator / secretGenerator suffix: `-` and 10 characters of its hash alphabet. */
const HASH_SUFFIX = /-[2456789bcdfghkmt]{10}$/;

export function stripHashSuffix(name: string): string {
  return name.replace(HASH_SUFFIX, '');
}

/** Leaf `path=value` strings of an object without its name, for rename similarity. */
function leaves(o: unknown, path = '', out: Set<string> = new Set()): Set<string> {
  if (Array.isArray(o)) o.forEach((v, i) => leaves(v, `${path}[${i}]`, out));
  else if (o && typeof o === 'object') {
    for (const [k, v] of Object.entries(o)) {
      if (path === 'metadata' && k === 'name') continue;
      leaves(v, path ? `${path}.${k}` : k, out);
    }
  } else out.add(`${path}=${canonical(o)}`);
  return out;
}

function similarity(a: Set<string>, b: Set<string>): number {
  if (a.size === 0 && b.size === 0) return 1;
  let common = 0;
  for (const x of a) if (b.has(x)) common++;
  return (2 * common) / (a.size + b.size);
}

/** Pairs removed and added objects of the same kind and namespace that are renames. */
function detectRenames(removed: Entry[], added: Entry[], config: DiffConfig, filter: PathFilter): Array<[Entry, Entry, number]> {
  const pairs: Array<[Entry, Entry, number]> = [];
  const group = (e: Entry) => `${e.id.group}/${e.id.kind}/${e.id.namespace}`;
  const addedByGroup = new Map<string, Entry[]>();
  for (const a of added) addedByGroup.set(group(a), [...(addedByGroup.get(group(a)) ?? []), a]);
  const taken = new Set<string>();
  const leftover: Entry[] = [];
  // Hash-suffix renames first: exact and cheap.
  for (const r of removed) {
    const stem = stripHashSuffix(r.id.name);
    const hit = stem !== r.id.name ? (addedByGroup.get(group(r)) ?? []).find((a) => !taken.has(a.key) && stripHashSuffix(a.id.name) === stem) : undefined;
    if (hit) {
      taken.add(hit.key);
      pairs.push([r, hit, similarity(leaves(stripIgnored(r.object, filter)), leaves(stripIgnored(hit.object, filter)))]);
    } else leftover.push(r);
  }
  // Content similarity, bounded so a mass rename cannot go quadratic without limit.
  const MAX_CANDIDATES = 300;
  for (const r of leftover) {
    const candidates = (addedByGroup.get(group(r)) ?? []).filter((a) => !taken.has(a.key)).slice(0, MAX_CANDIDATES);
    if (candidates.length === 0) continue;
    const rl = leaves(stripIgnored(r.object, filter));
    let best: [Entry, number] | undefined;
    for (const a of candidates) {
      const s = similarity(rl, leaves(stripIgnored(a.object, filter)));
      if (s >= config.renameSimilarity && (!best || s > best[1])) best = [a, s];
    }
    if (best) {
      taken.add(best[0].key);
      pairs.push([r, best[0], best[1]]);
    }
  }
  return pairs;
}

/** Compares two renderings of one cluster. Pure: data in, data out. */
export function diffSection(input: SectionInput, options: EngineOptions = {}): SectionReport {
  const config = options.config ?? DEFAULT_CONFIG;
  const masker = options.masker ?? createMasker();
  const filter = ignoreFilter(config.ignore);
  const textOf = options.skipIdentical === false ? () => undefined : documentText;
  const base = index(input.base, masker, textOf);
  const head = index(input.head, masker, textOf);
  const resources: ResourceChange[] = [];

  const removed: Entry[] = [];
  const added: Entry[] = [];
  for (const [key, b] of base) {
    const h = head.get(key);
    if (!h) {
      removed.push(b);
      continue;
    }
    if (identical(b, h)) continue;
    const fields = diffFields(b.object, h.object, filter);
    if (b.service !== h.service) resources.push({ change: 'moved', id: h.id, ref: refOf(h.id), service: h.service, from: { service: b.service }, fields });
    else if (fields.length > 0) resources.push({ change: 'changed', id: h.id, ref: refOf(h.id), service: h.service, fields });
  }
  for (const [key, h] of head) if (!base.has(key)) added.push(h);

  const renames = detectRenames(removed, added, config, filter);
  const renamedFrom = new Set(renames.map(([r]) => r.key));
  const renamedTo = new Set(renames.map(([, a]) => a.key));
  for (const [r, a, s] of renames) {
    const fields = diffFields({ ...r.object, metadata: { ...r.object.metadata, name: a.id.name } }, a.object, filter);
    resources.push({
      change: 'renamed',
      id: a.id,
      ref: refOf(a.id),
      service: a.service,
      from: { id: r.id, ref: refOf(r.id), ...(r.service !== a.service ? { service: r.service } : {}), similarity: Math.round(s * 100) / 100 },
      fields,
    });
  }
  for (const r of removed) if (!renamedFrom.has(r.key)) resources.push({ change: 'removed', id: r.id, ref: refOf(r.id), service: r.service, fields: [] });
  for (const a of added) if (!renamedTo.has(a.key)) resources.push({ change: 'added', id: a.id, ref: refOf(a.id), service: a.service, fields: addedWorkloadFields(a.object) });

  resources.sort((x, y) => x.service.localeCompare(y.service) || x.ref.localeCompare(y.ref));
  const repeated = collapseRepeated(resources, config.collapseThreshold);
  const lookup = (change: ResourceChange, side: 'base' | 'head'): K8sObject | undefined => {
    if (side === 'head') return head.get(idKey(change.id))?.object;
    return base.get(idKey(change.change === 'renamed' && change.from?.id ? change.from.id : change.id))?.object;
  };
  const headObjects = (kind: string, namespace: string): K8sObject[] => [...head.values()].filter((e) => e.id.kind === kind && e.id.namespace === namespace).map((e) => e.object);
  const risks = assessRisks(resources, lookup, (service) => !input.noPrune?.has(service), headObjects);
  const capacity = input.headroom
    ? { change: input.headroom, risks: input.snapshots ? capacityRisks(input.snapshots.before, input.snapshots.after) : headroomRisks(input.headroom.before, input.headroom.after) }
    : input.capacity?.base && input.capacity?.head
      ? capacityChange(input.capacity.base, input.capacity.head, input.base, input.head)
      : undefined;
  if (capacity) {
    risks.push(...capacity.risks);
    sortRisks(risks);
  }
  return {
    cluster: input.cluster,
    kind: input.kind,
    title: input.title,
    services: summarize(resources, risks),
    resources,
    repeated,
    risks,
    ...(capacity ? { capacity: capacity.change } : {}),
  };
}

function lastSegment(path: string): string {
  const m = /(?:\.|^)([^.[\]]+)(\[[^\]]*\])*$/.exec(path);
  return m?.[1] ?? path;
}

function short(v: unknown): string {
  const s = typeof v === 'string' ? v : canonical(v);
  return s.length > 80 ? `${s.slice(0, 77)}…` : s;
}

const IMAGE = /^(.*?)(?::([^:@/]+))?(@sha256:[a-f0-9]+)?$/;

/** What two identical changes on different resources have in common, as one line. */
export function describeChange(c: FieldChange): string {
  const leaf = lastSegment(c.path);
  const labelKey = /(labels|annotations)(?:\["([^"]+)"\]|\.([^.[\]]+))$/.exec(c.path);
  const name = labelKey ? `${labelKey[1] === 'labels' ? 'label' : 'annotation'} ${labelKey[2] ?? labelKey[3]}` : leaf;
  if (c.op === 'changed' && leaf === 'image' && typeof c.before === 'string' && typeof c.after === 'string') {
    const [, repoA, tagA] = IMAGE.exec(c.before) ?? [];
    const [, repoB, tagB] = IMAGE.exec(c.after) ?? [];
    if (repoA === repoB && tagA && tagB) return `image ${repoA} tag ${tagA} → ${tagB}`;
  }
  if (c.op === 'added') return `${name} added: ${short(c.after)}`;
  if (c.op === 'removed') return `${name} removed: ${short(c.before)}`;
  return `${name}: ${short(c.before)} → ${short(c.after)}`;
}

/** Identical changes on `threshold` or more resources become one line; the fields keep a pointer to it. */
function collapseRepeated(resources: ResourceChange[], threshold: number): RepeatedChange[] {
  const groups = new Map<string, { refs: Set<string>; fields: FieldChange[] }>();
  for (const r of resources) {
    for (const f of r.fields) {
      const d = describeChange(f);
      const g = groups.get(d) ?? { refs: new Set<string>(), fields: [] };
      g.refs.add(r.ref);
      g.fields.push(f);
      groups.set(d, g);
    }
  }
  const out: RepeatedChange[] = [];
  for (const [description, g] of groups) {
    if (g.refs.size < threshold) continue;
    for (const f of g.fields) f.repeated = description;
    out.push({ description, count: g.refs.size, refs: [...g.refs].sort() });
  }
  return out.sort((a, b) => b.count - a.count || a.description.localeCompare(b.description));
}

function summarize(resources: ResourceChange[], risks: { service: string; level: string }[]): ServiceSummary[] {
  const by = new Map<string, ServiceSummary>();
  const get = (service: string) => {
    let s = by.get(service);
    if (!s) by.set(service, (s = { service, added: 0, changed: 0, removed: 0, renamed: 0, moved: 0, risks: 0, highRisks: 0 }));
    return s;
  };
  for (const r of resources) get(r.service)[r.change]++;
  for (const r of risks) {
    const s = get(r.service);
    s.risks++;
    if (r.level === 'high') s.highRisks++;
  }
  return [...by.values()].sort((a, b) => a.service.localeCompare(b.service));
}
