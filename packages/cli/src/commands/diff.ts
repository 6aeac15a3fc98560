import { renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { diffRevisions, RenderFailedError, renderJson, renderMarkdown, renderTerminal, RevisionError } from '@carbon/diff';
import { exec } from '@carbon/toolchain';
import { oneOf, parseFlags } from '../args.ts';
import { colorFor, EXIT, UsageError, type Io } from '../io.ts';
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

export async function run(argv: string[], io: Io): Promise<number> {
  const { values } = parseFlags(
    argv,
    {
      base: { type: 'string' },
      head: { type: 'string' },
      format: { type: 'string' },
      repo: { type: 'string' },
      cluster: { type: 'string', multiple: true },
      color: { type: 'boolean' },
      'no-color': { type: 'boolean' },
      'full-output': { type: 'string' },
      'fetch-charts': { type: 'boolean' },
    },
    'diff',
  );
  if (!values.base) throw new UsageError('platform diff: --base REF is required (e.g. --base origin/main)');
  const format = oneOf(values.format, ['terminal', 'markdown', 'json'] as const, '--format', 'terminal');
  const repo = await gitTopLevel(values.repo ? resolve(io.cwd, values.repo) : io.cwd);
  let toolsRoot = repo;
  try {
    toolsRoot = repoRoot(io.cwd);
  } catch {
    // diffing another Flux repository from outside the platform repo: its own .tools/bin, if any
  }
  let report;
  try {
    report = await diffRevisions({
      repo,
      base: values.base,
      head: values.head ?? 'HEAD',
      toolsRoot,
      ...renderCache(toolsRoot),
      ...chartOptions(toolsRoot, values['fetch-charts']),
      ...(values.cluster?.length ? { clusters: values.cluster } : {}),
    });
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
    if (values['full-output']) writeAtomically(resolve(io.cwd, values['full-output']), md.full);
  } else io.out(renderTerminal(report, { color: colorFor(io, values) }));
  // Informational: a diff with risks is still a successful diff.
  return EXIT.ok;
}
