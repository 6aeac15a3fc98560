import { renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { diffRevisions, RenderFailedError, renderJson, renderMarkdown, renderTerminal, RevisionError } from '@carbon/diff';
import { exec } from '@carbon/toolchain';
import { choice, colorOptions, option, repeatable } from '../args.ts';
import { colorFor, EXIT, UsageError, withProgress, type Io } from '../io.ts';
import { chartOptions, renderCache, repoRoot } from '../root.ts';

export const summary = 'what each cluster receives between two revisions (--base REF [--head REF|WORKTREE] [--format terminal|markdown|json])';

/** Writes via a temp file + rename, so a reader never sees half a report. */
function writeAtomically(path: string, text: string): void {
  const tmp = join(dirname(path), `.${process.pid}.${Date.now()}.tmp`);
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

async function gitTopLevel(cwd: string): Promise<string> {
  const r = await exec('git', ['-C', cwd, 'rev-parse', '--show-toplevel']);
  if (r.exitCode !== 0) throw new UsageError(`${cwd} is not inside a git repository`);
  return r.stdout.trim();
}

export const options = [
  option('--base <ref>', 'the revision to compare from (required, e.g. origin/main)'),
  option('--head <ref>', 'the revision to compare to, or WORKTREE for the files on disk (default: HEAD)'),
  choice('--format <format>', 'output format', ['terminal', 'markdown', 'json'], 'terminal'),
  repeatable('--cluster <name>', 'only this cluster (one that exists at base or at head)'),
  option('--repo <dir>', 'diff another Flux repository (default: the one around the current folder)'),
  option('--full-output <file>', 'with --format markdown: also write the unshrunk report to FILE'),
  option('--fetch-charts', 'first fetch HelmRelease charts missing from the chart cache (the only network use)'),
  ...colorOptions(),
];

interface Opts {
  base?: string;
  head?: string;
  format: 'terminal' | 'markdown' | 'json';
  cluster?: string[];
  repo?: string;
  fullOutput?: string;
  fetchCharts?: boolean;
  color?: boolean;
}

export async function run(values: Opts, io: Io): Promise<number> {
  if (!values.base) throw new UsageError('platform diff: --base REF is required (e.g. --base origin/main)');
  const format = values.format;
  const repo = await gitTopLevel(values.repo ? resolve(io.cwd, values.repo) : io.cwd);
  let toolsRoot = repo;
  try {
    toolsRoot = repoRoot(io.cwd);
  } catch {
    // diffing another Flux repository from outside the platform repo: its own .tools/bin, if any
  }
  let report;
  try {
    const base = values.base;
    report = await withProgress(io, 'diff', () =>
      diffRevisions({
        repo,
        base,
        head: values.head ?? 'HEAD',
        toolsRoot,
        ...renderCache(toolsRoot),
        ...chartOptions(toolsRoot, values.fetchCharts),
        ...(values.cluster?.length ? { clusters: values.cluster } : {}),
      }),
    );
  } catch (e) {
    if (e instanceof RevisionError) {
      io.err(`error: ${e.message}\n${e.hint ? `  ${e.hint}\n` : ''}`);
      return EXIT.usage;
    }
    if (e instanceof RenderFailedError) {
      io.err(`error: ${e.message}\n`);
      return EXIT.usage;
    }
    throw e;
  }
  if (format === 'json') io.out(renderJson(report));
  else if (format === 'markdown') {
    const md = renderMarkdown(report);
    io.out(md.body);
    if (values.fullOutput) writeAtomically(resolve(io.cwd, values.fullOutput), md.full);
  } else io.out(renderTerminal(report, { color: colorFor(io, values) }));
  // Informational: a diff with risks is still a successful diff.
  return EXIT.ok;
}
