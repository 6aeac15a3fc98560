import { resolve } from 'node:path';
import { exitCodeOf, formatFindings, FORMATS, validate } from '@carbon/validate';
import { oneOf, parseFlags } from '../args.ts';
import { colorFor, type Io } from '../io.ts';
import { chartOptions, renderCache, repoRoot } from '../root.ts';

export const summary = 'schema (kubeconform), policy and environment checks of what Flux applies to each cluster';

export async function run(argv: string[], io: Io): Promise<number> {
  const { values } = parseFlags(
    argv,
    {
      cluster: { type: 'string', multiple: true },
      format: { type: 'string' },
      'changed-since': { type: 'string' },
      path: { type: 'string' },
      'working-tree': { type: 'boolean' }, 'fetch-charts': { type: 'boolean' },
    },
    'validate',
  );
  const format = oneOf(values.format, FORMATS, '--format', 'pretty');
  const root = repoRoot(io.cwd);
  const path = values.path ? resolve(io.cwd, values.path) : root;
  const result = await validate({
    root,
    path,
    ...renderCache(root), ...chartOptions(root, values['fetch-charts']),
    ...(values.cluster?.length ? { clusters: values.cluster } : {}),
    ...(values['changed-since'] ? { changedSince: values['changed-since'] } : {}),
    ...(values['working-tree'] ? { workingTree: true } : {}),
  });
  io.out(formatFindings(result, format, { color: format === 'pretty' && colorFor(io) }));
  return exitCodeOf(result);
}
