import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadClusters, type ClusterFacts } from '@carbon/platform';
import { capacity as capacityModel } from '@carbon/validate';
import { cacheOption, checkClusterNames, discoverFluxKustomizations, INPUT_ERROR_CODES, listFluxClusters, type RenderCache, type RenderedCluster, type RenderOptions } from '@carbon/render';
import { exec, span, spanSync, type Runner } from '@carbon/toolchain';

import { DEFAULT_CONFIG, loadDiffConfig, type DiffConfig } from './config.ts';
import { capacitySnapshot, type CapacitySnapshot } from './capacity.ts';
import { diffSection as compare, type SectionInput } from './engine.ts';
import { createMasker, type Masker } from './mask.ts';
import { environmentLines, faithfulJson, memoKey, readMemo, restoreClusters, storeClusters, type StoredCluster } from './memo.ts';
import { totalsOf } from './report.ts';
import type { DiffReport, Headroom, K8sObject, SectionReport, ServiceObjects } from './types.ts';

const diffSection: typeof compare = (input, options) => spanSync('diff compare', () => compare(input, options));

export class RevisionError extends Error {
  override readonly name = 'RevisionError';
  constructor(
    readonly ref: string,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

/** The working tree as the head revision (`--head WORKTREE`): read, never written. */
export const WORKTREE = 'WORKTREE';

export type RenderFn = (dir: string, options: RenderOptions) => Promise<RenderedCluster[]>;

export interface DiffRevisionsOptions {
  /** The git repository (its working tree is never modified). */
  repo: string;
  base: string;
  head: string;
  /** Folder with `.tools/bin` (kustomize); defaults to `repo`. */
  toolsRoot?: string;
  /** Only these clusters. */
  clusters?: string[];
  runner?: Runner;
  masker?: Masker;
  /** Overrides platform/diff.yaml (which is read from the base revision, so a change cannot hide itself). */
  config?: DiffConfig;
  render?: RenderFn;
  /** Builds shared by base and head (and with a validate of the same check); default: $PLATFORM_RENDER_CACHE, else this diff only. */
  cache?: RenderCache;
  /** HelmReleases: chart cache and whether to fetch (RenderOptions.charts). */
  charts?: RenderOptions['charts'];
  /** Keep the base revision's renderings in the cache folder by commit (default: on when the cache has a folder and no runner is injected). */
  memo?: boolean;
  /** The memo environment (memo.ts environmentLines), when the caller has it already. */
  environment?: string[];
}

/** What a base revision contributes to a diff, kept by commit (memo.ts). */
type BaseMemo = { names: string[]; config: DiffConfig; facts: [string, ClusterFacts][]; rendered: StoredCluster[]; promoted: Record<string, StoredCluster[]> };

const SAFE_REF = /^[A-Za-z0-9._/@{}^~+-]+$/;

/** `ref` → full commit id; a usage error (exit 2) when it is not a commit of `repo`. */
export async function resolveRevision(repo: string, ref: string, runner: Runner = exec): Promise<string> {
  if (!ref || ref.startsWith('-') || !SAFE_REF.test(ref)) throw new RevisionError(ref, `"${ref}" is not a git revision`, 'pass a branch, tag or commit, e.g. --base origin/main');
  const r = await runner('git', ['-C', repo, 'rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`]);
  if (r.exitCode !== 0) throw new RevisionError(ref, `unknown revision "${ref}" in ${repo}`, 'fetch it first (actions/checkout with fetch-depth: 0), or check the spelling');
  return r.stdout.trim();
}

interface Checkout {
  dir: string;
  dispose: () => Promise<void>;
}

/** A detached worktree of `commit` in a temporary folder; the user's checkout and index are not touched. */
async function checkout(repo: string, commit: string, runner: Runner): Promise<Checkout> {
  const tmp = mkdtempSync(join(tmpdir(), 'carbon-diff-'));
  const dir = join(tmp, 'tree');
  const r = await runner('git', ['-C', repo, '-c', 'core.hooksPath=/dev/null', 'worktree', 'add', '--quiet', '--detach', dir, commit]);
  if (r.exitCode !== 0) {
    rmSync(tmp, { recursive: true, force: true });
    throw new RevisionError(commit, `cannot check out ${commit} into a temporary worktree: ${r.stderr.trim()}`);
  }
  return {
    dir,
    dispose: async () => {
      await runner('git', ['-C', repo, 'worktree', 'remove', '--force', dir]);
      rmSync(tmp, { recursive: true, force: true });
      await runner('git', ['-C', repo, 'worktree', 'prune']);
    },
  };
}

function serviceName(k: { name: string; namespace: string }): string {
  return k.namespace === 'flux-system' ? k.name : `${k.namespace}/${k.name}`;
}

function toServices(c: RenderedCluster): ServiceObjects {
  const out: ServiceObjects = new Map();
  for (const k of c.kustomizations) out.set(serviceName(k), [...(out.get(serviceName(k)) ?? []), ...k.objects.map((o) => o.object as unknown as K8sObject)]);
  return out;
}

/** Services whose Flux Kustomization does not prune: what they stop applying stays in the cluster. */
function noPruneOf(c: RenderedCluster | undefined): { noPrune?: Set<string> } {
  const off = new Set((c?.kustomizations ?? []).filter((k) => k.spec.prune === false).map(serviceName));
  return off.size ? { noPrune: off } : {};
}

/** `14 services at 1a2b3c4, trino at 5d6e7f8`: where production runs, most common pin first. */
export function pinSummary(pins: Map<string, string>): string {
  const by = new Map<string, string[]>();
  for (const [service, commit] of pins) by.set(commit, [...(by.get(commit) ?? []), service]);
  return [...by]
    .sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0]))
    .map(([commit, services]) => `${services.length > 2 ? `${services.length} services` : services.sort().join(', ')} at ${commit.slice(0, 7)}`)
    .join(', ');
}

/** Kustomization → pinned commit, for the Kustomizations whose source pins one. */
function pinsOf(c: RenderedCluster): Map<string, string> {
  const out = new Map<string, string>();
  for (const k of c.kustomizations) if (k.sourceRef.commit) out.set(serviceName(k), k.sourceRef.commit);
  return out;
}

function inputErrors(clusters: RenderedCluster[], label: string): string[] {
  return clusters.flatMap((c) =>
    c.errors
      .filter((e) => e.severity === 'error' && (INPUT_ERROR_CODES as readonly string[]).includes(e.code))
      .map((e) => `${label}: ${e.file}${e.line ? `:${e.line}` : ''}: ${e.message}${e.hint ? ` (${e.hint})` : ''}`),
  );
}

function otherIssues(clusters: RenderedCluster[], label: string): string[] {
  return clusters.flatMap((c) =>
    c.errors.filter((e) => !(INPUT_ERROR_CODES as readonly string[]).includes(e.code)).map((e) => `${label} ${c.cluster}: ${e.file}${e.line ? `:${e.line}` : ''}: ${e.message}`),
  );
}

function factsFor(dir: string): Map<string, ClusterFacts> {
  const out = new Map<string, ClusterFacts>();
  try {
    for (const facts of loadClusters(dir)) out.set(facts.name, facts);
  } catch {
    // Not every Flux repository declares cluster facts; no headroom figures then.
  }
  return out;
}

export const CAPACITY_MODEL = 'validate capacity model: pod requests with LimitRange defaults, replicas/HPA minimum, DaemonSets per matching node, operator-managed pods; vs node allocatable';

/** Requests vs allocatable of one rendering, from @carbon/validate's capacity model (with what the risks need). */
function headroomOf(c: RenderedCluster | undefined, facts: ClusterFacts | undefined): { headroom: Headroom; snapshot: CapacitySnapshot } | undefined {
  if (!c || !facts) return undefined;
  const objects = c.kustomizations.flatMap((k) => k.objects);
  const { report, groups } = capacityModel({ cluster: c.cluster, facts, objects, kustomizations: c.kustomizations });
  return {
    headroom: {
      cpuMillicores: { requested: report.totals.requests.cpu, allocatable: report.totals.allocatable.cpu },
      memoryBytes: { requested: report.totals.requests.memory, allocatable: report.totals.allocatable.memory },
    },
    snapshot: capacitySnapshot(objects, report, groups),
  };
}

function headroomChange(b: RenderedCluster | undefined, bf: ClusterFacts | undefined, h: RenderedCluster | undefined, hf: ClusterFacts | undefined): Pick<SectionInput, 'headroom' | 'snapshots'> {
  const before = headroomOf(b, bf);
  const after = headroomOf(h, hf);
  return before && after ? { headroom: { before: before.headroom, after: after.headroom, model: CAPACITY_MODEL }, snapshots: { before: before.snapshot, after: after.snapshot } } : {};
}

export class RenderFailedError extends Error {
  override readonly name = 'RenderFailedError';
  constructor(readonly problems: string[]) {
    super(`the revisions cannot be rendered:\n  ${problems.join('\n  ')}`);
  }
}

/**
 * Renders every cluster at base and head (from temporary worktrees) and compares them: one
 * section per cluster for what applies on merge; for clusters whose services are pinned, the
 * promotion view (pins changed: old pins → new pins; otherwise production pins → head).
 */
export async function diffRevisions(options: DiffRevisionsOptions): Promise<DiffReport> {
  const runner = options.runner ?? exec;
  const render = options.render ?? discoverFluxKustomizations;
  const masker = options.masker ?? createMasker();
  const baseCommit = await resolveRevision(options.repo, options.base, runner);
  const headCommit = options.head === WORKTREE ? WORKTREE : await resolveRevision(options.repo, options.head, runner);
  const toolsRoot = options.toolsRoot ?? options.repo;
  const opened: Checkout[] = [];
  // The base revision's renderings, facts and settings by commit: a hit checks out and renders nothing there.
  const cache = options.cache;
  let baseKey: string | undefined;
  let stored: BaseMemo | undefined;
  if (cache?.dir && !options.runner && options.memo !== false) {
    const env = options.environment ?? (await span('diff base memo key', () => environmentLines({ repo: options.repo, toolsRoot, ...(options.charts ? { charts: options.charts } : {}) })));
    if (typeof env !== 'string') {
      baseKey = memoKey([...env, 'base revision', baseCommit, `clusters ${JSON.stringify(options.clusters ?? null)}`]);
      stored = readMemo<BaseMemo>(cache, baseKey);
    }
  }
  let baseTreeP: Promise<Checkout> | undefined;
  const baseDir = async (): Promise<string> => {
    baseTreeP ??= span('diff base worktree add', () => checkout(options.repo, baseCommit, runner)).then((c) => {
      opened.push(c);
      return c;
    });
    return (await baseTreeP).dir;
  };
  try {
    const record: BaseMemo = stored ?? { names: [], config: DEFAULT_CONFIG, facts: [], rendered: [], promoted: {} };
    if (!stored) {
      const dir = await baseDir();
      record.names = listFluxClusters(dir).clusters.map((c) => c.name);
      record.config = existsSync(dir) ? loadDiffConfig(dir) : DEFAULT_CONFIG;
      record.facts = [...factsFor(dir)];
    }
    let headDir = options.repo;
    if (headCommit !== WORKTREE) {
      const headTree = await checkout(options.repo, headCommit, runner);
      opened.push(headTree);
      headDir = headTree.dir;
    }
    // An unknown --cluster is bad usage (exit 2 with the choices), never an empty "no changes":
    // a cluster counts when it exists at base or at head (a new or a removed cluster is a change).
    if (options.clusters?.length) checkClusterNames(options.clusters, [...new Set([...record.names, ...listFluxClusters(headDir).clusters.map((c) => c.name)])]);
    const config = options.config ?? record.config;
    const common: RenderOptions = { toolsRoot, ...(options.clusters ? { clusters: options.clusters } : {}), runner, ...cacheOption(options.cache), ...(options.charts ? { charts: options.charts } : {}) };
    const renderBase = async (o: RenderOptions): Promise<RenderedCluster[]> => render(await baseDir(), o);
    const [baseR, headR] = await Promise.all([span('diff render base', async () => (stored ? restoreClusters(stored.rendered) : renderBase(common))), span('diff render head (or wait for validate)', () => render(headDir, common))]);
    if (!stored && baseKey) record.rendered = spanSync('diff base memo serialise', () => storeClusters(baseR));
    let added = !stored;
    const problems = [...inputErrors(baseR, `base ${options.base}`), ...inputErrors(headR, `head ${options.head}`)];
    if (problems.length) throw new RenderFailedError(problems);
    const warnings = [...otherIssues(baseR, 'base'), ...otherIssues(headR, 'head')];
    const baseFacts = new Map(record.facts);
    const headFacts = factsFor(headDir);
    const sections: SectionReport[] = [];
    const short = (c: string) => (c === WORKTREE ? 'working tree' : c.slice(0, 7));
    const all = [...new Set([...baseR.map((c) => c.cluster), ...headR.map((c) => c.cluster)])].sort();
    const isPinned = (name: string) => [...baseR, ...headR].some((c) => c.cluster === name && pinsOf(c).size > 0);
    // Clusters that apply on merge (staging) first, then the pinned ones (production): the order a reviewer reads.
    const clusters = [...all.filter((n) => !isPinned(n)), ...all.filter(isPinned)];
    for (const name of clusters) {
      const b = baseR.find((c) => c.cluster === name);
      const h = headR.find((c) => c.cluster === name);
      const empty: ServiceObjects = new Map();
      const cap = { ...spanSync('diff capacity', () => headroomChange(b, baseFacts.get(name), h, headFacts.get(name))), ...noPruneOf(b) };
      const bPins = b ? pinsOf(b) : new Map<string, string>();
      const hPins = h ? pinsOf(h) : new Map<string, string>();
      const pinned = bPins.size > 0 || hPins.size > 0;
      const baseServices = b ? toServices(b) : empty;
      const headServices = h ? toServices(h) : empty;
      if (!pinned) {
        sections.push(diffSection({ cluster: name, kind: 'on-merge', title: `${short(baseCommit)} → ${short(headCommit)}`, base: baseServices, head: headServices, ...cap }, { config, masker }));
        continue;
      }
      const pinsChanged = [...new Set([...bPins.keys(), ...hPins.keys()])].filter((k) => bPins.get(k) !== hPins.get(k));
      if (pinsChanged.length) {
        const list = pinsChanged.map((k) => `${k} ${short(bPins.get(k) ?? 'none')} → ${short(hPins.get(k) ?? 'none')}`).join(', ');
        sections.push(diffSection({ cluster: name, kind: 'promotion', title: `pins: ${list}`, base: baseServices, head: headServices, ...cap }, { config, masker }));
        continue;
      }
      // Cluster-wide files apply from main on merge; services wait for promotion.
      const onMerge = diffSection({ cluster: name, kind: 'on-merge', title: `cluster-wide files ${short(baseCommit)} → ${short(headCommit)}; services stay at their pins`, base: baseServices, head: headServices, ...cap }, { config, masker });
      if (onMerge.resources.length) sections.push(onMerge);
      // This change as production will receive it: every pinned service promoted to base vs to head.
      // Cluster-wide objects are left out here (they are in the section above, applied on merge), and
      // capacity is measured against head's cluster facts on both sides, so a quota change is listed
      // once, where it applies (on merge).
      const promotedOf = async (): Promise<RenderedCluster[]> => {
        const kept = record.promoted[name];
        if (kept) return restoreClusters(kept);
        const r = await renderBase({ ...common, clusters: [name], workingTree: true });
        record.promoted[name] = storeClusters(r);
        added = true;
        return r;
      };
      const [promotedBase, promotedHead] = await span('diff pending-promotion renders', () => Promise.all([promotedOf(), render(headDir, { ...common, clusters: [name], workingTree: true })]));
      const pendingProblems = [...inputErrors(promotedBase, `base ${options.base} (as promoted)`), ...inputErrors(promotedHead, `head ${options.head} (as promoted)`)];
      if (pendingProblems.length) throw new RenderFailedError(pendingProblems);
      const pb = promotedBase.find((c) => c.cluster === name);
      const ph = promotedHead.find((c) => c.cluster === name);
      const onlyPinned = (m: ServiceObjects): ServiceObjects => new Map([...m].filter(([k]) => bPins.has(k)));
      const pbServices = pb ? onlyPinned(toServices(pb)) : empty;
      sections.push(
        diffSection(
          { cluster: name, kind: 'pending-promotion', title: `this change as production receives it: services promoted to ${short(baseCommit)} → promoted to ${short(headCommit)}`, base: pbServices, head: ph ? onlyPinned(toServices(ph)) : empty, ...headroomChange(pb, headFacts.get(name), ph, headFacts.get(name)), ...noPruneOf(pb) },
          { config, masker },
        ),
      );
      // The production backlog: on main (base) already, not promoted yet. Not this change's doing.
      sections.push(diffSection({ cluster: name, kind: 'backlog', title: `production pins (${pinSummary(bPins)}) → services promoted to ${short(baseCommit)}`, base: onlyPinned(baseServices), head: pbServices, ...noPruneOf(b) }, { config, masker }));
    }
    // Kept only when nothing in the base depended on what this machine happens to have (a pin missing from a shallow clone).
    if (baseKey && cache && added && ![...baseR, ...Object.values(record.promoted).flat()].some((c) => c.errors.some((e) => e.code === 'source')) && faithfulJson(record)) spanSync('diff base memo store', () => cache.putResult(baseKey!, JSON.stringify(record), false));
    return { schemaVersion: 1, base: { ref: options.base, commit: baseCommit }, head: { ref: options.head, commit: headCommit }, sections, totals: totalsOf(sections), warnings };
  } finally {
    for (const c of opened.reverse()) await span('diff worktree remove', () => c.dispose());
  }
}
