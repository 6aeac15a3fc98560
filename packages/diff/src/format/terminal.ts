import pc from 'picocolors';
import type { DiffReport, Risk } from '../types.ts';
import { capacityLine, counts, fieldLines, isEmpty, resourceHeadline, sectionLabel, shortCommit, shownFields, SYMBOL } from './lines.ts';

export function renderTerminal(report: DiffReport, options: { color: boolean }): string {
  const c = pc.createColors(options.color);
  const level: Record<Risk['level'], (s: string) => string> = { high: (s) => c.bold(c.red(s)), medium: c.yellow, info: c.cyan };
  const out: string[] = [c.bold(`platform diff ${report.base.ref} (${shortCommit(report.base.commit)}) → ${report.head.ref} (${shortCommit(report.head.commit)})`), ''];
  if (report.sections.every(isEmpty)) {
    out.push('No changes: both revisions render identically for every cluster.');
    for (const w of report.warnings) out.push(c.yellow(`warning: ${w}`));
    return `${out.join('\n')}\n`;
  }
  for (const s of report.sections) {
    if (s.kind === 'backlog') {
      if (!isEmpty(s)) out.push(c.dim(`${s.cluster} production backlog, not this change: ${s.services.length} service${s.services.length === 1 ? '' : 's'} on the base branch not yet promoted (${s.services.map((x) => x.service).join(', ')}); ${s.resources.length} resource${s.resources.length === 1 ? '' : 's'}`), '');
      continue;
    }
    out.push(c.bold(c.underline(sectionLabel(s))), c.dim(s.title));
    if (isEmpty(s)) {
      out.push('  No changes.', '');
      continue;
    }
    const w = Math.max(7, ...s.services.map((x) => x.service.length));
    for (const x of s.services) out.push(`  ${x.service.padEnd(w)}  ${counts(x)}${x.risks ? `  ${x.highRisks ? c.red(`${x.highRisks} high-risk`) : ''} ${x.risks} risk${x.risks === 1 ? '' : 's'}` : ''}`);
    if (s.capacity) out.push(`  capacity: ${capacityLine(s.capacity)}`);
    if (s.risks.length) {
      out.push('', c.bold('  Risks'));
      for (const r of s.risks) out.push(`  ${level[r.level](r.level.padEnd(6))} ${r.category.padEnd(24)} ${r.service} · ${r.ref}: ${r.message}`, c.dim(`  ${' '.repeat(31)}${r.reason}`));
    }
    if (s.repeated.length) {
      out.push('', c.bold('  Repeated changes'));
      for (const r of s.repeated) out.push(`  ${r.description} on ${r.count} resources`);
    }
    for (const x of s.services) {
      const resources = s.resources.filter((r) => r.service === x.service);
      if (!resources.length) continue;
      out.push('', c.bold(`  ${x.service}`));
      for (const r of resources) {
        const colour = r.change === 'added' ? c.green : r.change === 'removed' ? c.red : c.yellow;
        out.push(`    ${colour(`${SYMBOL[r.change]} ${resourceHeadline(r)}`)}`);
        const { fields, repeatedCount } = shownFields(r);
        for (const f of fields) {
          for (const line of fieldLines(f, 'full')) {
            const col = line.startsWith('+') || line.trimStart().startsWith('+ ') ? c.green : line.startsWith('-') || line.trimStart().startsWith('- ') ? c.red : (s: string) => s;
            out.push(`        ${col(line)}`);
          }
        }
        if (repeatedCount) out.push(c.dim(`        (+${repeatedCount} repeated change${repeatedCount === 1 ? '' : 's'}, listed above)`));
      }
    }
    out.push('');
  }
  for (const w of report.warnings) out.push(c.yellow(`warning: ${w}`));
  return `${out.join('\n')}\n`;
}
