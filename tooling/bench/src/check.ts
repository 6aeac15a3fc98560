/**
 * Benchmark: the pull-request check (`check()`: validate the head + diff base → head + capacity,
 * one rendering per revision, one render cache) against the plain tools, in the same run:
 *
 *  repo (this repository, in a detached worktree of HEAD with a one-service change):
 *   - full check, cold cache  vs  `kustomize build | kubeconform -strict` over every Flux path of ONE
 *     revision (target ≤ 1.0×);
 *   - changed-only check (`changedSince: HEAD`) with the cache a CI run of the base leaves behind
 *     vs the full check (target ≤ 0.15×), findings equal to the full check's in scope;
 *   - warm check (second run, nothing changed) vs the full check (target ≤ 0.05×);
 *   - `diffRevisions` end to end (base HEAD~5 → HEAD, cold cache) vs `kustomize build` of every
 *     path at both revisions + `dyff between` (target ≤ 1.0×).
 *  synthetic (tooling/bench/src/validate.ts's platform of N services, a git repository with a
 *  one-service change): full check, cold, for each N vs the same one-revision loop; R² of check time
 *  against N (target ≥ 0.98) and ≤ 1.0× the loop at the largest N; the bench process's peak RSS.
 *
 * Ratios are ours / baseline: below 1 means we are cheaper. One run each (the loops are long).
 * Run: `npm run bench -- check [--sizes 100,300,1000]`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { check, diffRevisions } from '@carbon/diff';
import { discoverFluxKustomizations, kustomizationFile, RenderCache } from '@carbon/render';
import { checkTool, exec, findRepoRoot, schemaLocations } from '@carbon/toolchain';
import { inScope, type Finding } from '@carbon/validate';
import { writeSyntheticPlatform } from './validate.ts';

export type CheckBenchResult = {
  bench: 'check';
  repo: { paths: number; loopMs: number; fullMs: number; fullRatio: number; changedMs: number; changedRatio: number; changedIdentical: boolean; warmMs: number; warmRatio: number; diffMs: number; diffBaselineMs: number; diffRatio: number };
  synthetic: { services: number; paths: number; loopMs: number; checkMs: number; ratio: number; peakRssMb: number }[];
  rSquared: number;
  targets: Record<string, boolean>;
};

const git = (dir: string, ...a: string[]) => execFileSync('git', ['-C', dir, '-c', 'user.email=b@b', '-c', 'user.name=b', ...a], { encoding: 'utf8' }).trim();

/** Every Flux path of `repo` that has a kustomization file (what the loop builds). */
async function fluxPaths(root: string, repo: string): Promise<string[]> {
  const rendered = await discoverFluxKustomizations(repo, { toolsRoot: root, workingTree: true });
  return [...new Set(rendered.flatMap((c) => c.kustomizations.map((k) => k.path)))].filter((p) => kustomizationFile(join(repo, p)));
}

/** `kustomize build <path> | kubeconform -strict` for each path, one after the other; returns the builds too. */
async function loop(root: string, repo: string, paths: string[], schema = true): Promise<{ ms: number; outputs: string[] }> {
  const kustomize = await checkTool(root, 'kustomize');
  const kubeconform = await checkTool(root, 'kubeconform');
  const locations = schemaLocations(root).flatMap((l) => ['-schema-location', l]);
  const outputs: string[] = [];
  const t = performance.now();
  for (const p of paths) {
    const built = await exec(kustomize, ['build', join(repo, p)]);
    outputs.push(built.stdout);
    if (schema) await exec(kubeconform, ['-strict', '-summary', ...locations, '-'], { input: built.stdout });
  }
  return { ms: performance.now() - t, outputs };
}

/** Peak RSS of this process while `fn` runs (sampled every 20 ms). */
async function withPeak<T>(fn: () => Promise<T>): Promise<{ value: T; peakMb: number }> {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  try {
    const value = await fn();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { value, peakMb: Math.round(peak / 1048576) };
  } finally {
    clearInterval(timer);
  }
}

const key = (f: Finding) => JSON.stringify([f.cluster, f.id, f.file, f.line, f.object, f.message, f.suppressed]);

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const t = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - t };
}

function rSquared(xs: number[], ys: number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i]! - mx) * (ys[i]! - my);
    sxx += (xs[i]! - mx) ** 2;
    syy += (ys[i]! - my) ** 2;
  }
  return syy === 0 ? 1 : (sxy * sxy) / (sxx * syy);
}

async function repoCase(root: string, log: (l: string) => void): Promise<CheckBenchResult['repo']> {
  const tree = join(mkdtempSync(join(tmpdir(), 'bench-check-')), 'tree');
  git(root, '-c', 'core.hooksPath=/dev/null', 'worktree', 'add', '--quiet', '--detach', tree, 'HEAD');
  const cacheDirs: string[] = [];
  const cacheAt = () => {
    const d = mkdtempSync(join(tmpdir(), 'bench-cache-'));
    cacheDirs.push(d);
    return new RenderCache(d);
  };
  try {
    const paths = await fluxPaths(root, tree);
    // The cache a CI run of the base leaves behind (before the change).
    const baseCache = cacheAt();
    await check({ root, path: tree, base: 'HEAD', cache: baseCache });
    const f = join(tree, 'apps/portal/deploy/overlays/single-node/deployment-portal.yaml');
    writeFileSync(f, readFileSync(f, 'utf8').replace(/replicas: \d+/, 'replicas: 3'));
    const base = await loop(root, tree, paths);
    const full = await timed(() => check({ root, path: tree, base: 'HEAD', cache: cacheAt() }));
    const changed = await timed(() => check({ root, path: tree, base: 'HEAD', cache: new RenderCache(baseCache.dir), changedSince: 'HEAD' }));
    const scope = changed.value.validate.scope!;
    const identical = JSON.stringify(changed.value.validate.findings.map(key).sort()) === JSON.stringify(full.value.validate.findings.filter((x) => inScope(scope, x.cluster, x)).map(key).sort());
    const warmCache = cacheAt();
    await check({ root, path: tree, base: 'HEAD', cache: warmCache });
    const warm = await timed(() => check({ root, path: tree, base: 'HEAD', cache: new RenderCache(warmCache.dir) }));
    // Diff end to end vs kustomize build at both revisions + dyff between.
    const diff = await timed(() => diffRevisions({ repo: root, base: 'HEAD~5', head: 'HEAD', toolsRoot: root, cache: cacheAt() }));
    const diffBase = await timed(async () => {
      const dirs = [join(mkdtempSync(join(tmpdir(), 'bench-dyff-')), 'b'), join(mkdtempSync(join(tmpdir(), 'bench-dyff-')), 'h')];
      try {
        const files: string[] = [];
        for (const [i, ref] of ['HEAD~5', 'HEAD'].entries()) {
          git(root, '-c', 'core.hooksPath=/dev/null', 'worktree', 'add', '--quiet', '--detach', dirs[i]!, ref);
          const built = await loop(root, dirs[i]!, await fluxPaths(root, dirs[i]!), false);
          const out = join(dirs[i]!, '..', 'all.yaml');
          writeFileSync(out, built.outputs.join('---\n'));
          files.push(out);
        }
        await exec(await checkTool(root, 'dyff'), ['between', '--omit-header', files[0]!, files[1]!]);
      } finally {
        for (const d of dirs) {
          git(root, 'worktree', 'remove', '--force', d);
          rmSync(join(d, '..'), { recursive: true, force: true });
        }
      }
    });
    const r = {
      paths: paths.length,
      loopMs: Math.round(base.ms),
      fullMs: Math.round(full.ms),
      fullRatio: Number((full.ms / base.ms).toFixed(3)),
      changedMs: Math.round(changed.ms),
      changedRatio: Number((changed.ms / full.ms).toFixed(3)),
      changedIdentical: identical,
      warmMs: Math.round(warm.ms),
      warmRatio: Number((warm.ms / full.ms).toFixed(3)),
      diffMs: Math.round(diff.ms),
      diffBaselineMs: Math.round(diffBase.ms),
      diffRatio: Number((diff.ms / diffBase.ms).toFixed(3)),
    };
    log(`check/repo: ${r.paths} Flux paths. loop over one revision ${r.loopMs} ms; full check (validate + diff + capacity, cold) ${r.fullMs} ms → ${r.fullRatio}× the loop (target ≤ 1.0)`);
    log(`check/repo: changed-only (cache from the base) ${r.changedMs} ms → ${r.changedRatio}× the full check (target ≤ 0.15), findings ${identical ? 'identical to the full check in scope' : 'DIFFERENT from the full check'}`);
    log(`check/repo: warm (nothing changed) ${r.warmMs} ms → ${r.warmRatio}× the full check (target ≤ 0.05)`);
    log(`check/repo: diff HEAD~5 → HEAD end to end (cold) ${r.diffMs} ms vs kustomize build both revisions + dyff between ${r.diffBaselineMs} ms → ${r.diffRatio}× (target ≤ 1.0)`);
    return r;
  } finally {
    git(root, 'worktree', 'remove', '--force', tree);
    rmSync(join(tree, '..'), { recursive: true, force: true });
    for (const d of cacheDirs) rmSync(d, { recursive: true, force: true });
  }
}

async function syntheticCase(root: string, n: number, log: (l: string) => void): Promise<CheckBenchResult['synthetic'][number]> {
  const dir = writeSyntheticPlatform(n);
  const cacheDir = mkdtempSync(join(tmpdir(), 'bench-cache-'));
  try {
    git(dir, 'init', '-q', '-b', 'main');
    git(dir, 'add', '.');
    git(dir, 'commit', '-q', '-m', 'base');
    const f = join(dir, 'apps/svc-0/deploy/base/deployment-svc-0.yaml');
    writeFileSync(f, readFileSync(f, 'utf8').replace('replicas: 2', 'replicas: 3'));
    const paths = await fluxPaths(root, dir);
    const base = await loop(root, dir, paths);
    const run = await withPeak(() => timed(() => check({ root, path: dir, base: 'HEAD', cache: new RenderCache(cacheDir) })));
    const c = { services: n, paths: paths.length, loopMs: Math.round(base.ms), checkMs: Math.round(run.value.ms), ratio: Number((run.value.ms / base.ms).toFixed(3)), peakRssMb: run.peakMb };
    log(`check/synthetic-${n}: ${c.paths} Flux paths. loop ${c.loopMs} ms; full check ${c.checkMs} ms → ${c.ratio}× the loop; bench process peak RSS ${c.peakRssMb} MiB`);
    return c;
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(cacheDir, { recursive: true, force: true });
  }
}

export async function runCheckBench(options: { root?: string; sizes?: number[]; log?: (l: string) => void } = {}): Promise<CheckBenchResult> {
  const root = options.root ?? findRepoRoot(process.cwd());
  const log = options.log ?? ((l: string) => process.stdout.write(`${l}\n`));
  const sizes = options.sizes ?? [100, 300, 1000];
  const repo = await repoCase(root, log);
  const synthetic: CheckBenchResult['synthetic'] = [];
  for (const n of sizes) synthetic.push(await syntheticCase(root, n, log));
  const r2 = Number(rSquared(synthetic.map((s) => s.services), synthetic.map((s) => s.checkMs)).toFixed(4));
  const last = synthetic[synthetic.length - 1];
  const targets = {
    'full check ≤ 1.0× loop (repo)': repo.fullRatio <= 1,
    'changed-only ≤ 0.15× full, identical findings': repo.changedRatio <= 0.15 && repo.changedIdentical,
    'warm ≤ 0.05× full': repo.warmRatio <= 0.05,
    'diff end to end ≤ 1.0× kustomize both + dyff': repo.diffRatio <= 1,
    'synthetic check time linear (R² ≥ 0.98)': synthetic.length >= 3 && r2 >= 0.98,
    [`synthetic ≤ 1.0× loop at ${last?.services ?? '?'}`]: Boolean(last && last.ratio <= 1),
  };
  log(`check/synthetic: R² of check time vs services over ${sizes.join(', ')}: ${r2}`);
  for (const [t, ok] of Object.entries(targets)) log(`check target: ${ok ? 'met    ' : 'NOT met'}  ${t}`);
  return { bench: 'check', repo, synthetic, rSquared: r2, targets };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const i = process.argv.indexOf('--sizes');
  const sizes = i > 0 ? process.argv[i + 1]!.split(',').map(Number) : undefined;
  const result = await runCheckBench(sizes ? { sizes } : {});
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}
