import type { DiffReport, ResourceChange, Risk, SectionReport } from '../types.ts';
import { capacityLine, counts, fieldLines, isEmpty, resourceHeadline, sectionLabel, shownFields, SYMBOL, type Detail } from './lines.ts';

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
  const short = (c: string) => c.slice(0, 7);
  return `## Platform diff: \`${cell(report.base.ref)}\` (${short(report.base.commit)}) → \`${cell(report.head.ref)}\` (${short(report.head.commit)})\n`;
}

function summaryTable(s: SectionReport): string {
  if (isEmpty(s)) return `**No changes** for ${s.cluster}${s.kind === 'on-merge' ? '' : ` (${s.kind})`}.\n`;
  const rows = s.services.map(
    (x) =>
      `| ${cell(x.service)} | ${x.added || ''} | ${x.changed || ''} | ${x.removed || ''} | ${x.renamed + x.moved || ''} | ${x.highRisks ? `🔴 ${x.highRisks}` : ''}${x.risks - x.highRisks ? ` ${x.risks - x.highRisks}` : ''} |`,
  );
  return ['| service | added | changed | removed | renamed/moved | risks |', '|---|--:|--:|--:|--:|---|', ...rows].join('\n') + '\n';
}

function risksBlock(s: SectionReport, limit: number): string {
  const visible = s.risks.filter((r) => r.category !== 'image');
  const images = s.risks.length - visible.length;
  const lines = visible.slice(0, limit).map((r) => `- ${ICON[r.level]} **${r.category}** · ${cell(r.service)} · ${inline(r.ref)}: ${cell(r.message)}`);
  if (visible.length > limit) lines.push(`- … and ${visible.length - limit} more risks (see the full report in the job summary)`);
  if (images && images <= 5) for (const r of s.risks.filter((x) => x.category === 'image')) lines.push(`- ${ICON[r.level]} **image** · ${cell(r.service)} · ${inline(r.ref)}: ${cell(r.message)}`);
  else if (images) lines.push(`- 🔵 **image** changes on ${images} resources (see repeated changes and details)`);
  return lines.length ? `**Risks**\n\n${lines.join('\n')}\n` : '';
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
  return `${head}${note}\n\n${fence(lines)
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

export function renderMarkdownLevel(report: DiffReport, level: MarkdownLevel, notice?: string): string {
  const parts: string[] = [header(report)];
  if (notice) parts.push(`> [!NOTE]\n> ${notice}\n`);
  if (report.sections.every(isEmpty)) {
    parts.push('**No changes**: both revisions render identically for every cluster.\n');
    return parts.join('\n');
  }
  const riskLimit = level === 'truncated-summary' ? 10 : level === 'summary' ? 60 : 200;
  const repLimit = level === 'truncated-summary' ? 5 : 50;
  for (const s of report.sections) {
    parts.push(`### ${cell(sectionLabel(s))}\n\n_${cell(s.title)}_\n`);
    parts.push(summaryTable(s));
    if (s.capacity) parts.push(`**Capacity** (requests / allocatable): ${capacityLine(s.capacity)}\n`);
    const risks = risksBlock(s, riskLimit);
    if (risks) parts.push(risks);
    const rep = repeatedBlock(s, repLimit);
    if (rep) parts.push(rep);
  }
  if (level === 'full' || level === 'compact' || level === 'resource-list') {
    for (const s of report.sections) {
      if (isEmpty(s)) continue;
      parts.push(`#### Details: ${cell(sectionLabel(s))}\n\n${detailsBlocks(s, level)}\n`);
    }
  }
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
