import pc from 'picocolors';
import { RULE_BY_ID, RULES } from '../rules.ts';
import type { Finding } from '../types.ts';
import { exitCodeOf, type ValidateResult } from '../validate.ts';

export const FORMATS = ['pretty', 'json', 'junit', 'sarif', 'github'] as const;
export type Format = (typeof FORMATS)[number];

export function formatFindings(r: ValidateResult, format: Format, opts: { color?: boolean } = {}): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(toJson(r), null, 2)}\n`;
    case 'junit':
      return toJunit(r);
    case 'sarif':
      return `${JSON.stringify(toSarif(r), null, 2)}\n`;
    case 'github':
      return toGithub(r);
    default:
      return toPretty(r, opts.color ?? false);
  }
}

const where = (f: Finding) => (f.file ? `${f.file}${f.line ? `:${f.line}${f.column ? `:${f.column}` : ''}` : ''}` : `(cluster ${f.cluster})`);

const counts = (r: ValidateResult) => {
  const live = r.findings.filter((f) => !f.suppressed);
  return {
    errors: live.filter((f) => f.severity === 'error').length,
    warnings: live.filter((f) => f.severity === 'warning').length,
    notices: live.filter((f) => f.severity === 'notice').length,
    suppressed: r.findings.length - live.length,
  };
};

/** Grouped by cluster, then file; colour only on a TTY. */
function toPretty(r: ValidateResult, color: boolean): string {
  const c = pc.createColors(color);
  const sev = (s: Finding['severity']) => (s === 'error' ? c.red('error  ') : s === 'warning' ? c.yellow('warning') : c.blue('notice '));
  const lines: string[] = [];
  const byCluster = new Map<string, Finding[]>();
  for (const f of r.findings.filter((x) => !x.suppressed)) byCluster.set(f.cluster, [...(byCluster.get(f.cluster) ?? []), f]);
  for (const s of r.clusters) if (!byCluster.has(s.cluster)) byCluster.set(s.cluster, []);
  for (const [cluster, list] of [...byCluster].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const summary = r.clusters.find((x) => x.cluster === cluster);
    lines.push(c.bold(`${cluster}`) + c.dim(summary ? `  ${summary.kustomizations} Flux Kustomizations, ${summary.objects} objects` : ''));
    if (!list.length) lines.push(`  ${c.green('✓')} no findings`);
    const byFile = new Map<string, Finding[]>();
    for (const f of list) byFile.set(f.file ?? '', [...(byFile.get(f.file ?? '') ?? []), f]);
    for (const [file, fs] of byFile) {
      lines.push(`  ${c.underline(file || '(cluster-wide)')}`);
      for (const f of fs) {
        lines.push(`    ${c.dim(f.line ? `${f.line}:${f.column ?? 1}`.padEnd(8) : ''.padEnd(8))}${sev(f.severity)} ${c.bold(f.id.padEnd(7))} ${f.object ? `${c.cyan(f.object)}: ` : ''}${f.message}`);
        lines.push(`    ${''.padEnd(8)}${c.dim(`fix: ${f.hint}${f.service ? ` — defined in ${f.service}` : ''}`)}`);
      }
    }
    lines.push('');
  }
  const n = counts(r);
  const scope = r.scope ? ` (changes since ${r.scope.ref}: ${r.scope.everything ? 'everything' : [...r.scope.services.map((s) => `apps/${s}`), ...r.scope.clusters.map((x) => `clusters/${x}`)].join(', ') || 'nothing'})` : '';
  const tail = `${n.errors} error${n.errors === 1 ? '' : 's'}, ${n.warnings} warning${n.warnings === 1 ? '' : 's'}, ${n.notices} notice${n.notices === 1 ? '' : 's'}${n.suppressed ? `, ${n.suppressed} excepted in platform/policy.yaml` : ''}${scope} — ${r.stats.objects} objects in ${r.stats.durationMs} ms`;
  lines.push(n.errors ? c.red(tail) : c.green(tail));
  return `${lines.join('\n')}\n`;
}

/** The stable JSON document (schema in docs/cli.md, "validate --format json"). */
export function toJson(r: ValidateResult) {
  return {
    version: 1,
    exitCode: exitCodeOf(r),
    summary: counts(r),
    clusters: r.clusters.map((c) => ({ cluster: c.cluster, kustomizations: c.kustomizations, objects: c.objects, ...(c.capacity ? { capacity: c.capacity } : {}) })),
    ...(r.scope ? { scope: r.scope } : {}),
    findings: r.findings,
    rules: [...new Set(r.findings.map((f) => f.id))].sort().map((id) => RULE_BY_ID.get(id)),
    stats: r.stats,
  };
}

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function toJunit(r: ValidateResult): string {
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const live = r.findings.filter((f) => !f.suppressed);
  out.push(`<testsuites name="platform validate" tests="${Math.max(live.length, 1)}" failures="${live.filter((f) => f.severity === 'error').length}">`);
  const clusters = [...new Set([...r.clusters.map((c) => c.cluster), ...live.map((f) => f.cluster)])].sort();
  for (const cluster of clusters) {
    const fs = live.filter((f) => f.cluster === cluster);
    out.push(`  <testsuite name="${xml(cluster)}" tests="${Math.max(fs.length, 1)}" failures="${fs.filter((f) => f.severity === 'error').length}">`);
    if (!fs.length) out.push(`    <testcase classname="${xml(cluster)}" name="validate"/>`);
    for (const f of fs) {
      out.push(`    <testcase classname="${xml(`${cluster}.${f.category}`)}" name="${xml(`${f.id} ${f.object ?? ''} ${where(f)}`.trim())}" file="${xml(f.file ?? '')}"${f.line ? ` line="${f.line}"` : ''}>`);
      if (f.severity === 'error') out.push(`      <failure type="${f.id}" message="${xml(f.message)}">${xml(`${where(f)}: ${f.message}\nfix: ${f.hint}`)}</failure>`);
      else out.push(`      <system-out>${xml(`${f.severity} ${where(f)}: ${f.message}\nfix: ${f.hint}`)}</system-out>`);
      out.push('    </testcase>');
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return `${out.join('\n')}\n`;
}

/** SARIF 2.1.0 as GitHub code scanning accepts it: rules in tool.driver, repo-relative URIs, regions. */
export function toSarif(r: ValidateResult) {
  const level = (s: Finding['severity']) => (s === 'error' ? 'error' : s === 'warning' ? 'warning' : 'note');
  const index = new Map(RULES.map((x, i) => [x.id, i]));
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'platform-validate',
            informationUri: 'https://github.com/254carbon/platform/blob/main/docs/validate.md',
            semanticVersion: '1.0.0',
            rules: RULES.map((x) => ({
              id: x.id,
              name: x.title.replace(/[^A-Za-z0-9]+(.)?/g, (_m, ch: string | undefined) => (ch ? ch.toUpperCase() : '')).replace(/^./, (ch) => ch.toUpperCase()),
              shortDescription: { text: x.title },
              fullDescription: { text: x.rationale },
              help: { text: x.hint },
              defaultConfiguration: { level: level(x.severity) },
              properties: { tags: [x.category] },
            })),
          },
        },
        results: r.findings.map((f) => ({
          ruleId: f.id,
          ruleIndex: index.get(f.id) ?? 0,
          level: level(f.severity),
          message: { text: `[${f.cluster}] ${f.object ? `${f.object}: ` : ''}${f.message}${f.service ? ` (defined in ${f.service})` : ''}` },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: f.file ?? `clusters/${f.cluster}/cluster.yaml`, uriBaseId: '%SRCROOT%' },
                region: { startLine: f.line ?? 1, startColumn: f.column ?? 1 },
              },
            },
          ],
          partialFingerprints: { primaryLocationLineHash: `${f.id}:${f.cluster}:${f.object ?? ''}:${f.message}`.slice(0, 200) },
          ...(f.suppressed ? { suppressions: [{ kind: 'external', justification: f.suppressed.reason }] } : {}),
        })),
      },
    ],
  };
}

const escData = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
const escProp = (s: string) => escData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

/** One GitHub workflow command (`::warning file=…,line=…::message`): an annotation on the file, escaped. */
export function githubAnnotation(severity: Finding['severity'], at: { file?: string; line?: number; column?: number; title: string }, message: string): string {
  const cmd = severity === 'error' ? 'error' : severity === 'warning' ? 'warning' : 'notice';
  const props = [at.file ? `file=${escProp(at.file)}` : '', at.line ? `line=${at.line}` : '', at.column ? `col=${at.column}` : '', `title=${escProp(at.title)}`].filter(Boolean).join(',');
  return `::${cmd} ${props}::${escData(message)}\n`;
}

/** Workflow commands: one annotation per finding. */
function toGithub(r: ValidateResult): string {
  return r.findings
    .filter((f) => !f.suppressed)
    .map((f) => githubAnnotation(f.severity, { ...f, title: f.id }, `[${f.cluster}] ${f.object ? `${f.object}: ` : ''}${f.message} — fix: ${f.hint}`))
    .join('');
}
