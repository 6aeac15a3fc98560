import type { DiffReport, ResourceChange, Risk, SectionReport } from '../types.ts';
import { totalsOf } from '../report.ts';
import { capacityLine, counts, FENCE_WIDTH, fieldLines, isEmpty, resourceHeadline, sectionLabel, shortCommit, shownFields, SYMBOL, wrapLines, type Detail } from './lines.ts';

/** GitHub's comment limit, less room for the sticky-comment marker and part header. */
export const COMMENT_BUDGET = 65_536 - 512;

export type MarkdownLevel = 'full' | 'compact' | 'resource-list' | 'summary' | 'truncated-summary';

export interface MarkdownResult {
  /** Fits `budget`: the most detailed level that does. */
  body: string;
  level: MarkdownLevel;
  /** Always the full report (for the job summary and the artifact). */
  full: string;
}

const ICON: Record<Risk['level'], string> = { high: '🔴', medium: '🟠', info: '🔵' };

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/\n/g, ' ');
}

function inline(s: string): string {
  return `\`${s.replace(/`/g, 'ʼ')}\``;
}

/** Fenced block content cannot close the fence. */
function fence(lines: string[]): string {
  return ['```diff', ...lines.map((l) => l.replace(/```/g, 'ʼʼʼ')), '```'].join('\n');
}

function header(report: DiffReport): string {
  const short = shortCommit;
  return `## Platform diff: \`${cell(report.base.ref)}\` (${short(report.base.commit)}) → \`${cell(report.head.ref)}\` (${short(report.head.commit)})\n`;
}

function summaryTable(s: SectionReport): string {
  const rows = s.services.map(
    (x) =>
      `| ${cell(x.service)} | ${x.added || ''} | ${x.changed || ''} | ${x.removed || ''} | ${x.renamed + x.moved || ''} | ${x.highRisks ? `🔴 ${x.highRisks}` : ''}${x.risks - x.highRisks ? ` ${x.risks - x.highRisks}` : ''} |`,
  );
  return ['| service | added | changed | removed | renamed/moved | risks |', '|---|--:|--:|--:|--:|---|', ...rows].join('\n') + '\n';
}

function riskLine(r: Risk): string {
  return `- ${ICON[r.level]} **${r.category}** · ${cell(r.service)} · ${inline(r.ref)}: ${cell(r.message)}  \n  _${cell(r.reason)}_`;
}

function risksBlock(s: SectionReport, limit: number): string {
  const visible = s.risks.filter((r) => r.category !== 'image');
  const images = s.risks.length - visible.length;
  const lines = visible.slice(0, limit).map(riskLine);
  if (visible.length > limit) lines.push(`- … and ${visible.length - limit} more risks (see the full report in the job summary)`);
  if (images && images <= 5) for (const r of s.risks.filter((x) => x.category === 'image')) lines.push(`- ${ICON[r.level]} **image** · ${cell(r.service)} · ${inline(r.ref)}: ${cell(r.message)}`);
  else if (images) lines.push(`- 🔵 **image** changes on ${images} resources (see repeated changes and details)`);
  return lines.length ? `**Risks**\n\n${lines.join('\n')}\n` : '**Risks**: none found.\n';
}

function repeatedBlock(s: SectionReport, limit: number): string {
  if (!s.repeated.length) return '';
  const lines = s.repeated.slice(0, limit).map((r) => `- ${cell(r.description)} on ${r.count} resources`);
  if (s.repeated.length > limit) lines.push(`- … and ${s.repeated.length - limit} more repeated changes`);
  return `**Repeated changes**\n\n${lines.join('\n')}\n`;
}

function resourceBlock(r: ResourceChange, level: 'full' | 'compact' | 'resource-list'): string {
  const head = `- ${SYMBOL[r.change]} **${cell(resourceHeadline(r))}**`;
  if (level === 'resource-list') return `${head}${r.fields.length ? ` (${r.fields.length} field change${r.fields.length === 1 ? '' : 's'})` : ''}`;
  const { fields, repeatedCount } = shownFields(r);
  const detail: Detail = level;
  const cap = level === 'full' ? Infinity : 15;
  const lines = fields.slice(0, cap).flatMap((f) => fieldLines(f, detail));
  if (fields.length > cap) lines.push(`… ${fields.length - cap} more field changes`);
  const note = repeatedCount ? `  \n  _plus ${repeatedCount} repeated change${repeatedCount === 1 ? '' : 's'} listed above_` : '';
  if (!lines.length) return head + note;
  return `${head}${note}\n\n${fence(wrapLines(lines, FENCE_WIDTH))
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n')}`;
}

function detailsBlocks(s: SectionReport, level: 'full' | 'compact' | 'resource-list'): string {
  const out: string[] = [];
  for (const svc of s.services) {
    const resources = s.resources.filter((r) => r.service === svc.service);
    if (!resources.length) continue;
    out.push(`<details><summary><b>${cell(svc.service)}</b> · ${counts(svc)}</summary>\n\n${resources.map((r) => resourceBlock(r, level)).join('\n')}\n\n</details>`);
  }
  return out.join('\n');
}

/** The production backlog (on the base branch, not promoted yet): one collapsed line, not the PR's change. */
function backlogLine(s: SectionReport): string {
  if (isEmpty(s)) return `_${cell(s.cluster)}: no production backlog (every service runs what is on the base branch)._\n`;
  const t = totalsOf([{ ...s, kind: 'on-merge' }]);
  const names = s.services.map((x) => x.service);
  const shown = names.length > 4 ? `${names.slice(0, 4).join(', ')}, …` : names.join(', ');
  const risk = t.risks ? ` · ${t.highRisks ? `🔴 ${t.highRisks} high, ` : ''}${t.risks} risk${t.risks === 1 ? '' : 's'}` : '';
  return `<details><summary>${cell(s.cluster)} production backlog, not this change: ${names.length} service${names.length === 1 ? '' : 's'} on the base branch not yet promoted (${cell(shown)}) · ${counts(t)}${risk}</summary>\n\n_${cell(s.title)}_\n\n${summaryTable(s)}\n</details>\n`;
}

export function renderMarkdownLevel(report: DiffReport, level: MarkdownLevel, notice?: string): string {
  const parts: string[] = [header(report)];
  if (notice) parts.push(`> [!NOTE]\n> ${notice}\n`);
  const own = report.sections.filter((s) => s.kind !== 'backlog');
  const backlog = report.sections.filter((s) => s.kind === 'backlog');
  if (own.every(isEmpty)) parts.push(`**No changes**: both revisions render identically for every cluster${backlog.length ? ' (as applied on merge and as promoted)' : ''}.\n`);
  else {
    const riskLimit = level === 'truncated-summary' ? 10 : level === 'summary' ? 60 : 200;
    const repLimit = level === 'truncated-summary' ? 5 : 50;
    // Per cluster, as a reviewer reads: risks, the per-service table, capacity, repeated changes, then details.
    for (const s of own) {
      parts.push(`### ${cell(sectionLabel(s))}\n\n_${cell(s.title)}_\n`);
      if (isEmpty(s)) {
        parts.push(`**No changes** for ${cell(s.cluster)} here.\n`);
        continue;
      }
      parts.push(risksBlock(s, riskLimit));
      parts.push(summaryTable(s));
      if (s.capacity) parts.push(`**Capacity** (requests / allocatable): ${capacityLine(s.capacity)}\n`);
      const rep = repeatedBlock(s, repLimit);
      if (rep) parts.push(rep);
      if (level === 'full' || level === 'compact' || level === 'resource-list') parts.push(`${detailsBlocks(s, level)}\n`);
    }
  }
  for (const s of backlog) parts.push(backlogLine(s));
  if (report.warnings.length) parts.push(`**Warnings**\n\n${report.warnings.map((w) => `- ${cell(w)}`).join('\n')}\n`);
  return parts.join('\n');
}

export const MARKDOWN_NOTICES: Record<Exclude<MarkdownLevel, 'full'>, string> = {
  compact: 'This diff is too large for one comment: field values are shortened and long resources cut. The full report is in the job summary and the `platform-diff` artifact.',
  'resource-list': 'This diff is too large for one comment: only changed resources are listed, without field changes. The full report is in the job summary and the `platform-diff` artifact.',
  summary: 'This diff is too large for one comment: only the summary is shown. The full report is in the job summary and the `platform-diff` artifact.',
  'truncated-summary': 'This diff is too large even for a summary: the tables are cut. The full report is in the job summary and the `platform-diff` artifact.',
};

/** Shrinks step by step (full → compact → resource list → summary) until the comment fits. */
export function renderMarkdown(report: DiffReport, budget: number = COMMENT_BUDGET): MarkdownResult {
  const full = renderMarkdownLevel(report, 'full');
  if (full.length <= budget) return { body: full, level: 'full', full };
  for (const level of ['compact', 'resource-list', 'summary', 'truncated-summary'] as const) {
    const body = renderMarkdownLevel(report, level, MARKDOWN_NOTICES[level]);
    if (body.length <= budget || level === 'truncated-summary') {
      if (body.length <= budget) return { body, level, full };
      // Last resort: cut at a line boundary, keeping the header, notice and the first tables.
      const cut = body.slice(0, budget - 200);
      return { body: `${cut.slice(0, cut.lastIndexOf('\n'))}\n\n_… cut to fit GitHub's comment limit._\n`, level, full };
    }
  }
  throw new Error('unreachable');
}
