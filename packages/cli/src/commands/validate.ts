import { resolve } from 'node:path';
import { exitCodeOf, formatFindings, FORMATS, validate } from '@carbon/validate';
import { choice, colorOptions, option, repeatable } from '../args.ts';
import { colorFor, withProgress, type Io } from '../io.ts';
import { chartOptions, definitionsOption, renderCache, repoRoot } from '../root.ts';

export const summary = 'schema (kubeconform), policy and environment checks of what Flux applies to each cluster';

export const options = [
  repeatable('--cluster <name>', 'only this cluster'),
  choice('--format <format>', 'output format', FORMATS, 'pretty'),
  option('--changed-since <ref>', 'report only what the change since REF affects (everything is still rendered)'),
  option('--path <dir>', 'another Flux repository: its root or any cluster folder'),
  option('--working-tree', 'render pinned GitRepository sources from the files on disk instead of their commit'),
  option('--fetch-charts', 'first fetch HelmRelease charts missing from the chart cache (the only network use)'),
  ...colorOptions(),
];

interface Opts {
  cluster?: string[];
  format: (typeof FORMATS)[number];
  changedSince?: string;
  path?: string;
  workingTree?: boolean;
  fetchCharts?: boolean;
  color?: boolean;
}

export async function run(values: Opts, io: Io): Promise<number> {
  const format = values.format;
  const root = repoRoot(io.cwd);
  const path = values.path ? resolve(io.cwd, values.path) : root;
  const definitions = await definitionsOption(root, path, io);
  const result = await withProgress(io, 'validate', () =>
    validate({
      root,
      path,
      ...definitions,
      ...renderCache(root),
      ...chartOptions(root, values.fetchCharts),
      ...(values.cluster?.length ? { clusters: values.cluster } : {}),
      ...(values.changedSince ? { changedSince: values.changedSince } : {}),
      ...(values.workingTree ? { workingTree: true } : {}),
    }),
  );
  io.out(formatFindings(result, format, { color: format === 'pretty' && colorFor(io, values) }));
  return exitCodeOf(result);
}
