import { existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { loadCluster, type ClusterFacts } from '@carbon/platform';
import { cacheOption, INPUT_ERROR_CODES, RenderSession, selectFluxClusters, type RenderCache, type RenderedCluster, type RenderedObject, type RenderIssue } from '@carbon/render';
import { checkTool, exec, span, spanSync, type Runner } from '@carbon/toolchain';
import { changedScope, inScope, type Scope } from './changed.ts';
import { apiLimitChecks } from './checks/api.ts';
import { clusterChecks } from './checks/cluster.ts';
import { fluxChecks } from './checks/flux.ts';
import { networkSideChecks, type Definitions } from './checks/network-sides.ts';
import { loadMetricCatalog, metricChecks } from './checks/metrics.ts';
import { observabilityChecks } from './checks/observability.ts';
import { workloadChecks } from './checks/workload.ts';
import { environmentChecks, type CapacityReport } from './env.ts';
import { applyPolicy, loadPolicy } from './policy.ts';
import { rule } from './rules.ts';
import { promRulesCheck } from './promrules.ts';
import { schemaCheck } from './schema.ts';
import { emitter, type ClusterView, type Emit, type Finding } from './types.ts';

export type ValidateOptions = {
  /** The platform repo (pinned tools and schemas). */
  root: string;
  /** The Flux repository to validate (default: `root`); its platform/policy.yaml applies. */
  path?: string;
  clusters?: string[];
  /** Only report what a change since this git ref affects (same findings for it as a full run). */
  changedSince?: string;
  /** Render pinned sources from the working tree instead of their commits. */
  workingTree?: boolean;
  /** HelmReleases: chart cache folder and whether to fetch charts missing from it (RenderOptions.charts). */
  charts?: { cacheDir?: string; fetch?: boolean };
  /** Skip kubeconform (tests of policy and environment only). */
  schema?: boolean;
  /** Skip `promtool check rules` (default: run it on every PrometheusRule). */
  rules?: boolean;
  runner?: Runner;
  today?: string;
  /** Reuse kustomize builds (shared with a diff in the same check, or kept between runs); default: $PLATFORM_RENDER_CACHE, else this run only. */
  cache?: RenderCache;
  /** The repository's service definitions (apps/<name>/src/service.ts, as loaded by @carbon/generate): NET007 checks both sides of their network rules. */
  definitions?: Definitions;
  /** Receives each cluster's rendering (`platform check` hands it to the diff). */
  onRendered?: (cluster: RenderedCluster) => void;
};

export type ClusterSummary = { cluster: string; kustomizations: number; objects: number; capacity?: CapacityReport };

export type ValidateResult = {
  clusters: ClusterSummary[];
  findings: Finding[];
  scope?: Scope;
  stats: { kustomizeRuns: number; objects: number; durationMs: number };
};

/** Input the tool cannot read, or that the API server (through Flux) would refuse outright: the INP checks. */
export const hasInputErrors = (r: ValidateResult): boolean => r.findings.some((f) => f.category === 'input' && f.severity === 'error' && !f.suppressed);

/** 2 when the input could not be read, 1 when an error-severity finding remains, else 0. */
export function exitCodeOf(r: ValidateResult): 0 | 1 | 2 {
  if (hasInputErrors(r)) return 2;
  return r.findings.some((f) => f.severity === 'error' && !f.suppressed) ? 1 : 0;
}

/** Render issues become findings: unreadable input is INP001 (INP002 for encodings kustomize refuses; exit 2), the rest are Flux findings. */
function issueFindings(issues: RenderIssue[], emit: Emit): void {
  for (const i of issues) {
    const at = { file: i.file, ...(i.line ? { line: i.line } : {}), ...(i.column ? { column: i.column } : {}), ...(i.kustomization ? { object: `Kustomization ${i.kustomization}` } : {}) };
    if (i.code === 'encoding') emit('INP002', at, i.message);
    else if (INPUT_ERROR_CODES.includes(i.code)) emit('INP001', at, i.message);
    else if (i.code === 'source') emit('FLX007', at, i.message);
    else if (i.code === 'path') emit('FLX001', at, i.message);
    else if (i.code === 'substitution' && i.severity === 'warning') emit('FLX006', at, i.message);
    else if (i.code === 'helm') emit('FLX009', at, i.message);
    else if (i.code === 'helm-template') emit('FLX010', at, i.message);
    else emit('INP001', at, i.message);
  }
}

/** Declared facts of a `clusters/<name>/` cluster (`cluster.yaml`), when it has them. */
function factsFor(repo: string, cluster: string, dir: string): ClusterFacts | undefined {
  return dir === `clusters/${cluster}` && existsSync(join(repo, dir, 'cluster.yaml')) ? loadCluster(repo, cluster) : undefined;
}

/** Schema, policy and environment checks over what Flux would apply to each cluster. */
export async function validate(options: ValidateOptions): Promise<ValidateResult> {
  const started = performance.now();
  const root = resolve(options.root);
  const given = resolve(options.path ?? root);
  const runner = options.runner ?? exec;
  // The repository is the git work tree around --path (Flux paths are relative to its root). An
  // empty or non-Flux folder, or an unknown --cluster, is bad usage (ClusterSelectionError), not "0 errors".
  const { repoRoot: repo, clusters: selected } = selectFluxClusters(given, options.clusters);
  await checkTool(root, 'kustomize');
  const kubeconform = options.schema === false ? '' : await checkTool(root, 'kubeconform');
  const promtool = options.rules === false ? '' : await checkTool(root, 'promtool');
  // Exceptions name the validated repository's objects: its own platform/policy.yaml applies.
  const policy = loadPolicy(repo);
  const metricCatalog = loadMetricCatalog(repo);
  // What the change touches (git diff) is found while the clusters render; each cluster waits for it after its rendering.
  const scoping = options.changedSince ? span('validate changed scope', () => changedScope(repo, options.changedSince!, runner)) : Promise.resolve(undefined);
  scoping.catch(() => undefined); // awaited below; no unhandled rejection while the clusters render
  const cached = cacheOption(options.cache);
  const session = new RenderSession(repo, { toolsRoot: root, runner, ...cached, ...(options.workingTree ? { workingTree: true } : {}), ...(options.charts ? { charts: options.charts } : {}) });
  const findings: Finding[] = [];
  const summaries: ClusterSummary[] = [];
  let objectsTotal = 0;
  try {
    // Each cluster is checked as soon as it is rendered (kubeconform overlaps the other's builds).
    await Promise.all(
      selected.map(async (c) => {
        const rc: RenderedCluster = await span('validate render cluster', () => session.renderCluster(c.name, c.dir));
        options.onRendered?.(rc);
        const scope = await scoping;
        const own: Finding[] = [];
        const emit = emitter(rc.cluster, own);
        issueFindings(rc.errors, emit);
        const facts = factsFor(repo, rc.cluster, rc.clusterDir);
        const objects: RenderedObject[] = rc.kustomizations.flatMap((k) => k.objects);
        objectsTotal += objects.length;
        const registry = facts?.registry.host ?? policy.registry;
        const view: ClusterView = { cluster: rc.cluster, objects, kustomizations: rc.kustomizations, ...(facts ? { facts } : {}), ...(registry ? { registry } : {}) };
        for (const u of rc.unapplied) emit('HYG003', u.objects[0], `${u.file} is not listed by the kustomization next to it: Flux never applies its ${u.objects.length} object${u.objects.length === 1 ? '' : 's'}`, []);
        const unapplied = rc.unapplied.flatMap((u) => u.objects);
        const checked = [...objects, ...unapplied].filter((o) => !scope || inScope(scope, rc.cluster, o));
        // The cluster's own CRDs describe its custom resources, checked or not (changed-only runs too).
        const crds = [...objects, ...unapplied].filter((o) => o.object.kind === 'CustomResourceDefinition' && !checked.includes(o));
        const schema = kubeconform ? span('validate kubeconform (keys, cache, process)', () => schemaCheck(kubeconform, root, checked, emit, runner, { extraFolders: (policy.schemas ?? []).map((d) => join(repo, d)), extraCrds: crds, ...cached })) : Promise.resolve();
        const promRules = promtool ? span('validate promtool', () => promRulesCheck(promtool, checked, emit, runner, cached.cache)) : Promise.resolve(0);
        const capacityReport = spanSync('validate checks', () => {
          workloadChecks(view, emit);
          // Per-object findings (INP003/INP004) of an object outside a changed-only scope are dropped below: not computed
          // (sizing the largest CRDs means parsing them). An object without a file makes in-scope findings, so it is kept.
          apiLimitChecks(scope ? { ...view, objects: objects.filter((o) => !o.sourceFile || inScope(scope, rc.cluster, o)) } : view, emit);
          clusterChecks(view, emit);
          fluxChecks(view, emit);
          observabilityChecks(view, emit);
          metricChecks(view, emit, metricCatalog);
          if (options.definitions) networkSideChecks(view, emit, options.definitions, repo);
          return environmentChecks(view, emit, repo);
        });
        await Promise.all([schema, promRules]);
        summaries.push({ cluster: rc.cluster, kustomizations: rc.kustomizations.length, objects: objects.length, ...(capacityReport ? { capacity: capacityReport } : {}) });
        findings.push(...own);
      }),
    );
  } finally {
    session.dispose();
  }
  // Nothing rendered is never a green result: a path that yields zero objects checked nothing.
  if (!objectsTotal && !findings.some((f) => f.id === 'INP001')) {
    const where = selected.map((c) => c.dir).join(', ') || '(none)';
    findings.push({ id: 'INP001', severity: 'error', category: rule('INP001').category, cluster: selected[0]?.name ?? '', file: relative(repo, given) || '.', message: `no objects rendered from ${where}: nothing was checked`, hint: 'point --path at a Flux repository root or a cluster folder (`platform clusters --path DIR` lists what is found there)' });
  }
  const scope = await scoping;
  const kept = scope ? findings.filter((f) => inScope(scope, f.cluster, f)) : findings;
  const final = applyPolicy(kept, policy, options.today);
  final.sort((a, b) => (a.cluster + (a.file ?? '') + String(a.line ?? 0).padStart(6, '0') + a.id < b.cluster + (b.file ?? '') + String(b.line ?? 0).padStart(6, '0') + b.id ? -1 : 1));
  summaries.sort((a, b) => (a.cluster < b.cluster ? -1 : 1));
  return { clusters: summaries, findings: final, ...(scope ? { scope } : {}), stats: { kustomizeRuns: session.kustomizeRuns, objects: objectsTotal, durationMs: Math.round(performance.now() - started) } };
}
