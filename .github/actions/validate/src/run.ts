import { exitCodeOf, formatCapacity, toSarif, type Finding, type ValidateOptions, type ValidateResult } from '@carbon/validate';
import { InputError, type GitHubContext } from '@carbon/github';
import { isAbsolute, relative, resolve } from 'node:path';

export interface Inputs {
  clusters: string;
  changedSince: string;
  /** Relative to the workspace. */
  sarifFile: string;
  workingTree: string;
}

export interface Outputs {
  errors: string;
  warnings: string;
  'exit-code': string;
  'sarif-file': string;
}

export type Annotation = { level: 'error' | 'warning' | 'notice'; message: string; title: string; file?: string; line?: number; column?: number };

export interface Deps {
  validate: (options: ValidateOptions) => Promise<ValidateResult>;
  writeFile: (path: string, text: string) => Promise<void>;
}

const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** The action's logic: inputs → validate → annotations, SARIF file, summary, outputs. No @actions/core here. */
export async function run(inputs: Inputs, context: GitHubContext, deps: Deps): Promise<{ outputs: Outputs; summary: string; annotations: Annotation[]; exitCode: 0 | 1 | 2 }> {
  const clusters = inputs.clusters.split(/[\s,]+/).filter(Boolean);
  const bad = clusters.find((c) => !NAME.test(c));
  if (bad) throw new InputError('clusters', `"${bad}" is not a cluster folder name`);
  if (!['true', 'false', ''].includes(inputs.workingTree)) throw new InputError('working-tree', 'must be true or false');
  const sarifPath = resolve(context.workspace, inputs.sarifFile || 'platform-validate.sarif');
  if (isAbsolute(inputs.sarifFile) || relative(context.workspace, sarifPath).startsWith('..')) throw new InputError('sarif-file', 'must be a path inside the workspace');
  const changedSince = inputs.changedSince.trim();
  if (changedSince && !/^[A-Za-z0-9._/@^~-]+$/.test(changedSince)) throw new InputError('changed-since', `"${changedSince}" is not a git revision`);

  const result = await deps.validate({
    root: context.workspace,
    path: context.workspace,
    ...(clusters.length ? { clusters } : {}),
    ...(changedSince ? { changedSince } : {}),
    ...(inputs.workingTree === 'true' ? { workingTree: true } : {}),
  });
  await deps.writeFile(sarifPath, `${JSON.stringify(toSarif(result), null, 2)}\n`);
  const live = result.findings.filter((f) => !f.suppressed);
  const annotations: Annotation[] = live.map((f: Finding) => ({
    level: f.severity,
    title: f.id,
    message: `[${f.cluster}] ${f.object ? `${f.object}: ` : ''}${f.message} — fix: ${f.hint}${f.service ? ` (defined in ${f.service})` : ''}`,
    ...(f.file ? { file: f.file } : {}),
    ...(f.line ? { line: f.line } : {}),
    ...(f.column ? { column: f.column } : {}),
  }));
  const errors = live.filter((f) => f.severity === 'error').length;
  const warnings = live.filter((f) => f.severity === 'warning').length;
  const exitCode = exitCodeOf(result);
  const capacity = result.clusters.flatMap((c) => (c.capacity ? [c.capacity] : []));
  const rows = live.slice(0, 200).map((f) => `| ${f.severity} | \`${f.id}\` | ${f.cluster} | ${f.file ? `\`${f.file}${f.line ? `:${f.line}` : ''}\`` : ''} | ${(f.object ? `${f.object}: ` : '') + f.message.replace(/\|/g, '\\|')} |`);
  const summary = [
    `## platform validate: ${exitCode === 2 ? 'unreadable input' : errors ? `${errors} error${errors === 1 ? '' : 's'}` : 'no errors'}, ${warnings} warning${warnings === 1 ? '' : 's'}`,
    '',
    `${result.stats.objects} objects in ${result.clusters.length} cluster${result.clusters.length === 1 ? '' : 's'}${result.scope ? `, changes since \`${result.scope.ref}\`` : ''}; ${result.findings.length - live.length} finding(s) excepted in \`platform/policy.yaml\`.`,
    '',
    ...(rows.length ? ['| severity | check | cluster | where | finding |', '|---|---|---|---|---|', ...rows, ...(live.length > rows.length ? [`\n…and ${live.length - rows.length} more (see the SARIF report).`] : []), ''] : []),
    ...(capacity.length ? ['<details><summary>Capacity</summary>', '', '```', formatCapacity(capacity), '```', '</details>', ''] : []),
  ].join('\n');
  return { outputs: { errors: String(errors), warnings: String(warnings), 'exit-code': String(exitCode), 'sarif-file': sarifPath }, summary, annotations, exitCode };
}
