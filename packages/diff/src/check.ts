import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { discoverFluxKustomizations, INPUT_ERROR_CODES, RenderCache, renderCacheFor, type RenderedCluster, type RenderOptions } from '@carbon/render';
import { span, spanSync } from '@carbon/toolchain';
import { folderDigest, loadPolicy, validate, type CapacityReport, type ValidateOptions, type ValidateResult } from '@carbon/validate';
import { environmentLines, faithfulJson, memoKey, readMemo, unkeyedRead, worktreeState } from './memo.ts';
import { diffRevisions, resolveRevision, WORKTREE, type DiffRevisionsOptions } from './revisions.ts';
import type { DiffReport } from './types.ts';

export type CheckOptions = Omit<ValidateOptions, 'cache' | 'onRendered'> & {
  /** The base revision of the diff (the pull request's base). */
  base: string;
  /** Builds kept between runs; default $PLATFORM_RENDER_CACHE, else this check only (never off: base, head and validate always share). */
  cache?: RenderCache;
  /** For tests: the diff's other options. */
  diff?: Pick<DiffRevisionsOptions, 'masker' | 'config'>;
  /** Keep whole results in the cache folder (default: on when the cache has a folder and no runner or diff options are injected). */
  memo?: boolean;
};

export type CheckResult = {
  /** Findings of the working tree (the head). */
  validate: ValidateResult;
  /** base → working tree, from the same renderings. */
  diff: DiffReport;
  capacity: CapacityReport[];
  /** `memo`: 'hit' (the whole result read back), 'stored', or why no memo was kept or used. */
  render: { kustomizeRuns: number; cache: RenderCache['stats']; memo?: string };
};

type MemoKey = { key: string; folders: string[]; env: string[] };

/** Written into the cache folder when it first keeps a whole check (see check()). */
const MEMO_MARK = 'check-memo.kept';

/**
 * The key of a whole check (memo.ts): the environment, the working tree's content, what git
 * leaves out of it, the base commit, the changed-since commit, every option that changes a
 * finding (today's date: policy exceptions expire), and the schema folders policy.yaml adds.
 */
async function checkKey(options: CheckOptions, root: string, repo: string, cache: RenderCache, baseCommit: string): Promise<MemoKey | string> {
  const [env, tree] = await Promise.all([environmentLines({ repo, toolsRoot: root, ...(options.charts ? { charts: options.charts } : {}) }), worktreeState(repo, undefined, cache.dir)]);
  if (typeof env === 'string') return env;
  if (typeof tree === 'string') return tree;
  const since = options.changedSince ? await resolveRevision(repo, options.changedSince) : '';
  let schemas: string[] = [];
  try {
    schemas = (loadPolicy(repo).schemas ?? []).map((d) => `schemas ${d} ${folderDigest(join(repo, d))}`);
  } catch (e) {
    return `platform/policy.yaml: ${(e as Error).message}`;
  }
  const opts = {
    clusters: options.clusters ?? null,
    changedSince: since,
    workingTree: Boolean(options.workingTree),
    schema: options.schema !== false,
    rules: options.rules !== false,
    today: options.today,
    charts: options.charts ?? null,
  };
  return { key: memoKey([...env, 'whole check', `root ${root}`, `repo ${repo}`, ...tree.lines, `base ${baseCommit}`, `options ${JSON.stringify(opts)}`, ...schemas]), folders: tree.folders, env };
}

/**
 * The whole pull-request check from one rendering of each revision: validate renders the working
 * tree (the head) and checks it; the diff renders the base and reuses the head's rendering as it
 * is (the same objects, not a second parse); every kustomize build goes through one cache, so a
 * path whose inputs are the same at base and head (or in the pending-promotion view) is built
 * once, and a warm cache folder builds nothing.
 */
export async function check(options: CheckOptions): Promise<CheckResult> {
  const root = resolve(options.root);
  const repo = resolve(options.path ?? root);
  const cache = options.cache ?? renderCacheFor() ?? new RenderCache();
  const runner = options.runner;
  // One date for the key and for validate's policy (a check running over midnight is not keyed by the other day).
  options = { ...options, today: options.today ?? new Date().toISOString().slice(0, 10) };
  const baseCommit = await resolveRevision(repo, options.base, runner); // a bad --base fails before anything renders
  const started = performance.now();
  let memo = 'off' as MemoKey | string;
  let keying: Promise<MemoKey | string> | undefined;
  // Not for --changed-since: its tree changes with every push, so a memo would rarely be read and its key (~0.2 s of git) always paid.
  if (cache.dir && !runner && !options.diff && options.memo !== false && !options.changedSince) {
    keying = span('check memo key', () => checkKey(options, root, repo, cache, baseCommit)).catch((e: Error) => `no key: ${e.message}`);
  }
  // A folder that never kept a check cannot answer one: there the key is made while the check runs (only storing needs it).
  if (keying && existsSync(join(cache.dir!, MEMO_MARK))) {
    memo = await keying;
    const hit = typeof memo === 'string' ? undefined : readMemo<CheckResult>(cache, memo.key);
    if (hit?.validate && hit.diff && hit.render) {
      return { ...hit, validate: { ...hit.validate, stats: { ...hit.validate.stats, kustomizeRuns: 0, durationMs: Math.round(performance.now() - started) } }, render: { kustomizeRuns: 0, cache: { ...cache.stats }, memo: 'hit' } };
    }
  }
  const rendered: RenderedCluster[] = [];
  /** Working-tree renderings of the head (validate's and the diff's pending-promotion view): what the check read. */
  const headRenders: RenderedCluster[] = [];
  let headDone!: () => void;
  const head = new Promise<void>((r) => (headDone = r));
  // The diff's head is the working tree validate renders: hand it that rendering once it is complete.
  const render = async (dir: string, o: RenderOptions): Promise<RenderedCluster[]> => {
    if (resolve(dir) === repo && !o.workingTree && !options.workingTree && Boolean(o.clusters) === Boolean(options.clusters)) {
      await head;
      return rendered.filter((c) => !o.clusters || o.clusters.includes(c.cluster));
    }
    const out = await discoverFluxKustomizations(dir, o);
    if (resolve(dir) === repo) headRenders.push(...out);
    return out;
  };
  const validating = validate({ ...options, root, path: repo, cache, onRendered: (c) => rendered.push(c) }).finally(() => headDone());
  const diffing = diffRevisions({
    repo,
    base: options.base,
    head: WORKTREE,
    toolsRoot: root,
    ...(options.clusters ? { clusters: options.clusters } : {}),
    ...(runner ? { runner } : {}),
    ...(options.diff ?? {}),
    cache,
    render,
    ...(typeof memo !== 'string' ? { environment: memo.env } : {}),
    ...(options.memo === false ? { memo: false } : {}),
  });
  // Both are awaited before either error surfaces, so no promise is left unobserved.
  const [v, d] = await Promise.allSettled([validating, diffing]);
  if (v.status === 'rejected') throw v.reason;
  if (d.status === 'rejected') throw d.reason;
  const result: CheckResult = {
    validate: v.value,
    diff: d.value,
    capacity: v.value.clusters.flatMap((c) => (c.capacity ? [c.capacity] : [])),
    render: { kustomizeRuns: cache.stats.misses + cache.stats.uncacheable, cache: { ...cache.stats } },
  };
  if (keying && memo === 'off') memo = await keying;
  if (typeof memo !== 'string') {
    const all = [...rendered, ...headRenders];
    // Not kept: a build that read something remote (uncacheable), a pin this clone lacks, input that could not be read (a limit hit under load is not a fact about the tree), or an unkeyed folder the check reads.
    const why =
      cache.stats.uncacheable > 0 ? 'a build was not cacheable' : all.some((c) => c.errors.some((e) => e.code === 'source' || (e.severity === 'error' && (INPUT_ERROR_CODES as readonly string[]).includes(e.code)))) ? 'the rendering had input errors or missing pins' : (unkeyedRead(memo.folders, all) ?? (faithfulJson(result) ? undefined : 'the result holds a value JSON does not keep (.inf, NaN)'));
    if (why) memo = why;
    else {
      spanSync('check memo store', () => cache.putResult((memo as { key: string }).key, JSON.stringify(result), false));
      try {
        writeFileSync(join(cache.dir!, MEMO_MARK), '');
      } catch {
        // a folder that cannot be written keeps nothing anyway
      }
    }
  }
  if (memo !== 'off') result.render.memo = typeof memo === 'string' ? `not kept: ${memo}` : 'stored';
  return result;
}
