import { resolve } from 'node:path';
import { exitCodeOf, formatCapacity, validate } from '@carbon/validate';
import { choice, option, repeatable } from '../args.ts';
import { EXIT, UsageError, withProgress, type Io } from '../io.ts';
import { chartOptions, renderCache, repoRoot } from '../root.ts';

export const summary = 'the fit table: requests/limits per node and namespace against allocatable and quota, headroom, at peak';

export const options = [
  repeatable('--cluster <name>', 'only this cluster'),
  choice('--format <format>', 'output format', ['text', 'json'], 'text'),
  option('--path <dir>', 'another Flux repository: its root or any cluster folder'),
  option('--working-tree', 'render pinned GitRepository sources from the files on disk instead of their commit'),
  option('--fetch-charts', 'first fetch HelmRelease charts missing from the chart cache (the only network use)'),
];

interface Opts {
  cluster?: string[];
  format: 'text' | 'json';
  path?: string;
  workingTree?: boolean;
  fetchCharts?: boolean;
}

export async function run(values: Opts, io: Io): Promise<number> {
  const format = values.format;
  const root = repoRoot(io.cwd);
  const path = values.path ? resolve(io.cwd, values.path) : root;
  const result = await withProgress(io, 'capacity', () =>
    validate({ root, path, schema: false, rules: false, ...renderCache(root), ...chartOptions(root, values.fetchCharts), ...(values.cluster?.length ? { clusters: values.cluster } : {}), ...(values.workingTree ? { workingTree: true } : {}) }),
  );
  if (exitCodeOf(result) === 2) {
    for (const f of result.findings.filter((x) => x.category === 'input' && x.severity === 'error')) io.err(`error: ${f.file ?? ''}${f.line ? `:${f.line}` : ''}: ${f.message}\n`);
    return EXIT.usage;
  }
  const reports = result.clusters.flatMap((c) => (c.capacity ? [c.capacity] : []));
  if (!reports.length) throw new UsageError(`no cluster declares nodes and quotas (clusters/<name>/cluster.yaml) in ${path}`);
  if (format === 'json') {
    io.out(`${JSON.stringify({ version: 1, clusters: reports }, null, 2)}\n`);
    return EXIT.ok;
  }
  io.out(formatCapacity(reports));
  const over = result.findings.filter((f) => !f.suppressed && f.severity === 'error' && ['CAP001', 'CAP002', 'CAP003', 'CAP005', 'CAP006', 'PLC001'].includes(f.id));
  // Unplaceable pods are already in the table's own list: only the quota and allocatable lines are added.
  for (const f of over.filter((x) => x.id !== 'PLC001')) io.out(`${f.id} ${f.cluster}: ${f.message}\n`);
  return over.length ? EXIT.findings : EXIT.ok;
}
