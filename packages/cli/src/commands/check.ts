import { check, RenderFailedError, renderJson, renderTerminal, RevisionError } from '@carbon/diff';
import { exitCodeOf, formatCapacity, formatFindings, toJson } from '@carbon/validate';
import { RenderCache } from '@carbon/render';
import { choice, colorOptions, option, repeatable } from '../args.ts';
import { colorFor, EXIT, UsageError, withProgress, type Io } from '../io.ts';
import { definitionsOption, renderCache, repoRoot } from '../root.ts';

export const summary = 'the pull-request check from one rendering: validate the working tree, diff it against --base REF, capacity (--format pretty|json)';

export const options = [
  option('--base <ref>', 'the revision the pull request is diffed against (required, e.g. origin/main)'),
  repeatable('--cluster <name>', 'only this cluster'),
  option('--changed-since <ref>', 'report only the findings the change since REF affects'),
  choice('--format <format>', 'output format', ['pretty', 'json'], 'pretty'),
  ...colorOptions(),
];

interface Opts {
  base?: string;
  cluster?: string[];
  changedSince?: string;
  format: 'pretty' | 'json';
  color?: boolean;
}

export async function run(values: Opts, io: Io): Promise<number> {
  if (!values.base) throw new UsageError('platform check: --base REF is required (e.g. --base origin/main)');
  const format = values.format;
  const root = repoRoot(io.cwd);
  const definitions = await definitionsOption(root, root, io);
  let result;
  try {
    const base = values.base;
    result = await withProgress(io, 'check', () =>
      check({
        root,
        base,
        ...definitions,
        cache: renderCache(root).cache ?? new RenderCache(),
        ...(values.cluster?.length ? { clusters: values.cluster } : {}),
        ...(values.changedSince ? { changedSince: values.changedSince } : {}),
      }),
    );
  } catch (e) {
    if (e instanceof RevisionError || e instanceof RenderFailedError) {
      io.err(`error: ${e.message}\n${e instanceof RevisionError && e.hint ? `  ${e.hint}\n` : ''}`);
      return EXIT.usage;
    }
    throw e;
  }
  // An unknown --cluster never gets here: validate and diff refuse it first (ClusterSelectionError, exit 2 with the choices).
  if (format === 'json') {
    io.out(`${JSON.stringify({ validate: toJson(result.validate), diff: JSON.parse(renderJson(result.diff)), render: result.render }, null, 2)}\n`);
  } else {
    const color = colorFor(io, values);
    io.out(formatFindings(result.validate, 'pretty', { color }));
    io.out(`\n${renderTerminal(result.diff, { color })}`);
    if (result.capacity.length) io.out(`\n${formatCapacity(result.capacity)}\n`);
    const s = result.render.cache;
    if (result.render.memo === 'hit') io.err('check: the whole result was read back from the cache folder (nothing that can change it changed since it was kept)\n');
    else io.err(`check: ${result.render.kustomizeRuns} kustomize build(s) ran, ${s.hits + s.diskHits} reused (${s.diskHits} from the cache folder)\n`);
  }
  return exitCodeOf(result.validate);
}
