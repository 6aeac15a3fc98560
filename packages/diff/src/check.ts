import { resolve } from 'node:path';
import { discoverFluxKustomizations, RenderCache, renderCacheFor, type RenderedCluster, type RenderOptions } from '@carbon/render';
import { validate, type CapacityReport, type ValidateOptions, type ValidateResult } from '@carbon/validate';
import { diffRevisions, resolveRevision, WORKTREE, type DiffRevisionsOptions } from './revisions.ts';
import type { DiffReport } from './types.ts';

export type CheckOptions = Omit<ValidateOptions, 'cache' | 'onRendered'> & {
  /** The base revision of the diff (the pull request's base). */
  base: string;
  /** Builds kept between runs; default $PLATFORM_RENDER_CACHE, else this check only (never off: base, head and validate always share). */
  cache?: RenderCache;
  /** For tests: the diff's other options. */
  diff?: Pick<DiffRevisionsOptions, 'masker' | 'config'>;
};

export type CheckResult = {
  /** Findings of the working tree (the head). */
  validate: ValidateResult;
  /** base → working tree, from the same renderings. */
  diff: DiffReport;
  capacity: CapacityReport[];
  render: { kustomizeRuns: number; cache: RenderCache['stats'] };
};

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
  await resolveRevision(repo, options.base, runner); // a bad --base fails before anything renders
  const rendered: RenderedCluster[] = [];
  let headDone!: () => void;
  const head = new Promise<void>((r) => (headDone = r));
  // The diff's head is the working tree validate renders: hand it that rendering once it is complete.
  const render = async (dir: string, o: RenderOptions): Promise<RenderedCluster[]> => {
    if (resolve(dir) === repo && !o.workingTree && !options.workingTree && Boolean(o.clusters) === Boolean(options.clusters)) {
      await head;
      return rendered.filter((c) => !o.clusters || o.clusters.includes(c.cluster));
    }
    return discoverFluxKustomizations(dir, o);
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
  });
  // Both are awaited before either error surfaces, so no promise is left unobserved.
  const [v, d] = await Promise.allSettled([validating, diffing]);
  if (v.status === 'rejected') throw v.reason;
  if (d.status === 'rejected') throw d.reason;
  return {
    validate: v.value,
    diff: d.value,
    capacity: v.value.clusters.flatMap((c) => (c.capacity ? [c.capacity] : [])),
    render: { kustomizeRuns: cache.stats.misses + cache.stats.uncacheable, cache: { ...cache.stats } },
  };
}
