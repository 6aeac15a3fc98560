import type { DiffReport, SectionReport } from './types.ts';

/** Totals of what the change does; the production backlog (already on the base branch) is not counted. */
export function totalsOf(sections: SectionReport[]): DiffReport['totals'] {
  const t = { added: 0, changed: 0, removed: 0, renamed: 0, moved: 0, risks: 0, highRisks: 0 };
  for (const s of sections) {
    if (s.kind === 'backlog') continue;
    for (const r of s.resources) t[r.change]++;
    t.risks += s.risks.length;
    t.highRisks += s.risks.filter((r) => r.level === 'high').length;
  }
  return t;
}
