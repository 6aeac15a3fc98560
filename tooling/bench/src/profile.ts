/**
 * Where the time of a check goes: runs `validate` (full and `--changed-since`) and `diffRevisions`
 * through the library with a runner that times every process it starts, then separately times
 * the process spawn cost (`kustomize version`), YAML parsing of the whole rendering and the checks
 * without kubeconform. Prints one table per run; no ratio, no target (see check.ts for those).
 *
 * Run: `npm run bench -- profile` or `npx tsx tooling/bench/src/profile.ts [--base REF] [--since REF]`.
 */
import { performance } from 'node:perf_hooks';
import { basename } from 'node:path';
import { diffRevisions } from '@carbon/diff';
import { discoverFluxKustomizations, documentText, parseManifestStream, rawYaml } from '@carbon/render';
import { checkTool, exec, findRepoRoot, type Runner } from '@carbon/toolchain';
import { validate } from '@carbon/validate';

export type ProcessTimes = Record<string, { runs: number; ms: number }>;
export type ProfileRow = { what: string; wallMs: number; processes: ProcessTimes };
export type ProfileResult = { bench: 'profile'; rows: ProfileRow[]; spawnMs: number; parseMs: number; objects: number; checksMs: number };

/** A runner that adds each process's wall time to `times` under its program name. */
export function timingRunner(times: ProcessTimes, inner: Runner = exec): Runner {
  return async (cmd, args, options) => {
    const t = performance.now();
    try {
      return await inner(cmd, args, options);
    } finally {
      const k = basename(cmd);
      const e = (times[k] ??= { runs: 0, ms: 0 });
      e.runs++;
      e.ms += performance.now() - t;
    }
  };
}

const fmt = (p: ProcessTimes) =>
  Object.entries(p)
    .sort((a, b) => b[1].ms - a[1].ms)
    .map(([k, v]) => `${k} ${v.runs}× ${Math.round(v.ms)} ms`)
    .join(', ');

export async function runProfileBench(options: { root?: string; base?: string; since?: string; runs?: number; log?: (l: string) => void } = {}): Promise<ProfileResult> {
  const root = options.root ?? findRepoRoot(process.cwd());
  const log = options.log ?? ((l: string) => process.stdout.write(`${l}\n`));
  const rows: ProfileRow[] = [];
  const timed = async (what: string, fn: (runner: Runner) => Promise<unknown>) => {
    const processes: ProcessTimes = {};
    const t = performance.now();
    await fn(timingRunner(processes));
    const row = { what, wallMs: Math.round(performance.now() - t), processes };
    rows.push(row);
    log(`profile: ${what}: ${row.wallMs} ms wall; process time (summed over parallel processes) ${fmt(processes)}`);
  };
  await timed('validate', (runner) => validate({ root, runner }));
  await timed(`validate --changed-since ${options.since ?? 'HEAD~1'}`, (runner) => validate({ root, runner, changedSince: options.since ?? 'HEAD~1' }));
  await timed(`diff --base ${options.base ?? 'HEAD~5'}`, (runner) => diffRevisions({ repo: root, base: options.base ?? 'HEAD~5', head: 'HEAD', toolsRoot: root, runner }));

  // Spawn cost: the smallest kustomize invocation.
  const kustomize = await checkTool(root, 'kustomize');
  const n = 20;
  let t = performance.now();
  for (let i = 0; i < n; i++) await exec(kustomize, ['version']);
  const spawnMs = (performance.now() - t) / n;
  log(`profile: one kustomize process that does nothing (\`kustomize version\`): ${spawnMs.toFixed(1)} ms`);

  // YAML parse of the whole rendering (what the lazy parser defers, forced).
  const rendered = await discoverFluxKustomizations(root, { toolsRoot: root });
  const texts = rendered.flatMap((c) => c.kustomizations.flatMap((k) => k.objects.map((o) => rawYaml(o) ?? documentText(o.object) ?? '')));
  t = performance.now();
  let objects = 0;
  for (const x of texts) objects += parseManifestStream(x).length;
  const parseMs = performance.now() - t;
  log(`profile: parsing all ${objects} rendered objects in full: ${Math.round(parseMs)} ms`);

  // Checks without kubeconform, over a rendering that is already cached in the page cache.
  t = performance.now();
  await validate({ root, schema: false });
  const checksMs = performance.now() - t;
  log(`profile: validate without kubeconform (render + policy + environment checks): ${Math.round(checksMs)} ms`);
  return { bench: 'profile', rows, spawnMs: Number(spawnMs.toFixed(1)), parseMs: Math.round(parseMs), objects, checksMs: Math.round(checksMs) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const arg = (n: string) => {
    const i = process.argv.indexOf(n);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const result = await runProfileBench({ ...(arg('--base') ? { base: arg('--base')! } : {}), ...(arg('--since') ? { since: arg('--since')! } : {}) });
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}
