import { check, RenderFailedError, renderJson, renderTerminal, RevisionError } from '@carbon/diff';
import { exitCodeOf, formatCapacity, formatFindings, toJson } from '@carbon/validate';
import { RenderCache } from '@carbon/render';
import { oneOf, parseFlags } from '../args.ts';
import { colorFor, EXIT, UsageError, type Io } from '../io.ts';
import { renderCache, repoRoot } from '../root.ts';

export const summary = 'the pull-request check from one rendering: validate the working tree, diff it against --base REF, capacity (--format pretty|json)';

export async function run(argv: string[], io: Io): Promise<number> {
  const { values } = parseFlags(
    argv,
    {
      base: { type: 'string' },
      cluster: { type: 'string', multiple: true },
      format: { type: 'string' },
      'changed-since': { type: 'string' },
      'no-color': { type: 'boolean' },
    },
    'check',
  );
  if (!values.base) throw new UsageError('platform check: --base REF is required (e.g. --base origin/main)');
  const format = oneOf(values.format, ['pretty', 'json'] as const, '--format', 'pretty');
  const root = repoRoot(io.cwd);
  let result;
  try {
    result = await check({
      root,
      base: values.base,
      cache: renderCache(root).cache ?? new RenderCache(),
      ...(values.cluster?.length ? { clusters: values.cluster } : {}),
      ...(values['changed-since'] ? { changedSince: values['changed-since'] } : {}),
    });
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
    const color = colorFor(io, { 'no-color': values['no-color'] });
    io.out(formatFindings(result.validate, 'pretty', { color }));
    io.out(`\n${renderTerminal(result.diff, { color })}`);
    if (result.capacity.length) io.out(`\n${formatCapacity(result.capacity)}\n`);
    const s = result.render.cache;
    io.err(`check: ${result.render.kustomizeRuns} kustomize build(s) ran, ${s.hits + s.diskHits} reused (${s.diskHits} from the cache folder)\n`);
  }
  return exitCodeOf(result.validate);
}
