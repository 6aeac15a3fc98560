import { renderJson, renderMarkdown, type DiffReport, type DiffRevisionsOptions } from '@carbon/diff';
import { InputError, type GitHubContext } from '@carbon/github';
import { isAbsolute, join, relative, resolve } from 'node:path';

export interface Inputs {
  base: string;
  head: string;
  /** Relative to the workspace. */
  outputDir: string;
}

export interface Outputs {
  level: string;
  changed: string;
  'high-risks': string;
  'output-dir': string;
}

export interface Deps {
  diff: (options: DiffRevisionsOptions) => Promise<DiffReport>;
  writeFile: (path: string, text: string) => Promise<void>;
}

/** GitHub's job summary limit is 1 MiB; a bigger full report goes to the artifact only. */
export const STEP_SUMMARY_LIMIT = 1024 * 1024 - 1024;

export async function run(inputs: Inputs, context: GitHubContext, deps: Deps): Promise<{ outputs: Outputs; summary: string }> {
  const pr = context.event.kind === 'pull_request' ? context.event.pullRequest : undefined;
  const base = inputs.base || pr?.base.sha;
  const head = inputs.head || pr?.head.sha || 'HEAD';
  if (!base) throw new InputError('base', `is required when the event is "${context.eventName}" (only pull_request events carry a base)`);
  const outDir = resolve(context.workspace, inputs.outputDir);
  const rel = relative(context.workspace, outDir);
  if (isAbsolute(inputs.outputDir) || rel.startsWith('..')) throw new InputError('output-dir', 'must be a folder inside the workspace');

  const report = await deps.diff({ repo: context.workspace, base, head, toolsRoot: context.workspace });
  const md = renderMarkdown(report);
  await deps.writeFile(join(outDir, 'diff.md'), md.body);
  await deps.writeFile(join(outDir, 'diff-full.md'), md.full);
  await deps.writeFile(join(outDir, 'diff.json'), renderJson(report));
  if (pr) await deps.writeFile(join(outDir, 'pr-number'), `${pr.number}\n`);
  await deps.writeFile(join(outDir, 'head-sha'), `${report.head.commit}\n`);

  const t = report.totals;
  const summary = md.full.length <= STEP_SUMMARY_LIMIT ? md.full : `${md.body}\n\n_The full report (${md.full.length} characters) is larger than a job summary: see \`diff-full.md\` in the artifact._\n`;
  return {
    outputs: { level: md.level, changed: String(t.added + t.changed + t.removed + t.renamed + t.moved), 'high-risks': String(t.highRisks), 'output-dir': outDir },
    summary,
  };
}
