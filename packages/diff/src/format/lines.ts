import { canonical } from '../fields.ts';
import type { CapacityChange, FieldChange, ResourceChange, SectionReport } from '../types.ts';

/** Shared text pieces for the terminal and markdown formats. */

export function showValue(v: unknown, max: number): string {
  const s = typeof v === 'string' ? (/^[\w./:@‹›# -]*$/.test(v) && v !== '' ? v : JSON.stringify(v)) : canonical(v);
  return s.length > max ? `${s.slice(0, Math.max(0, max - 1))}…` : s;
}

/** Line diff of two multi-line strings (LCS; bounded). */
export function textDiff(a: string, b: string, context = 2, maxLines = 400): string[] {
  const la = a.split('\n');
  const lb = b.split('\n');
  if (la.length > maxLines || lb.length > maxLines) return [`(${la.length} → ${lb.length} lines; too long to show line by line)`];
  const n = la.length;
  const m = lb.length;
  const dp: Uint16Array[] = Array.from({ length: n + 1 }, () => new Uint16Array(m + 1));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) dp[i]![j] = la[i] === lb[j] ? dp[i + 1]![j + 1]! + 1 : Math.max(dp[i + 1]![j]!, dp[i]![j + 1]!);
  const ops: Array<[' ' | '-' | '+', string]> = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (la[i] === lb[j]) {
      ops.push([' ', la[i]!]);
      i++;
      j++;
    } else if (dp[i + 1]![j]! >= dp[i]![j + 1]!) ops.push(['-', la[i++]!]);
    else ops.push(['+', lb[j++]!]);
  }
  while (i < n) ops.push(['-', la[i++]!]);
  while (j < m) ops.push(['+', lb[j++]!]);
  const keep = ops.map((_, k) => ops.slice(Math.max(0, k - context), k + context + 1).some(([t]) => t !== ' '));
  const out: string[] = [];
  let skipped = false;
  ops.forEach(([t, line], k) => {
    if (keep[k]) {
      if (skipped) out.push('…');
      skipped = false;
      out.push(`${t} ${line}`);
    } else skipped = true;
  });
  return out;
}

export type Detail = 'full' | 'compact';

/** One field change as lines: `~ path: a → b`, `+ path: v`, `- path: v`; multi-line strings as a line diff in full detail. */
export function fieldLines(f: FieldChange, detail: Detail): string[] {
  const max = detail === 'full' ? 240 : 60;
  if (f.op === 'added') return [`+ ${f.path}: ${showValue(f.after, max)}`];
  if (f.op === 'removed') return [`- ${f.path}: ${showValue(f.before, max)}`];
  if (detail === 'full' && typeof f.before === 'string' && typeof f.after === 'string' && (f.before.includes('\n') || f.after.includes('\n'))) {
    return [`~ ${f.path}:`, ...textDiff(f.before, f.after).map((l) => `    ${l}`)];
  }
  return [`~ ${f.path}: ${showValue(f.before, max)} → ${showValue(f.after, max)}`];
}

export function resourceHeadline(r: ResourceChange): string {
  switch (r.change) {
    case 'added':
      return `${r.ref} added`;
    case 'removed':
      return `${r.ref} removed`;
    case 'changed':
      return `${r.ref} changed`;
    case 'renamed':
      return `${r.ref} renamed from ${r.from?.id?.name ?? '?'}${r.from?.similarity !== undefined ? ` (${Math.round(r.from.similarity * 100)}% similar)` : ''}${r.from?.service ? `, moved from ${r.from.service}` : ''}`;
    case 'moved':
      return `${r.ref} moved from ${r.from?.service ?? '?'}`;
  }
}

export const SYMBOL: Record<ResourceChange['change'], string> = { added: '+', removed: '-', changed: '~', renamed: '→', moved: '⇄' };

export function sectionLabel(s: SectionReport): string {
  const what = s.kind === 'on-merge' ? 'applies on merge' : s.kind === 'pending-promotion' ? 'pending promotion (production pins → head)' : 'promotion (old pins → new pins)';
  return `${s.cluster} — ${what}`;
}

export function isEmpty(s: SectionReport): boolean {
  return s.resources.length === 0;
}

function cores(m: number): string {
  return (m / 1000).toFixed(m % 1000 === 0 ? 0 : 1);
}
function gib(b: number): string {
  return (b / 1024 ** 3).toFixed(1);
}
function pct(r: number, a: number): string {
  return a > 0 ? `${Math.round((100 * r) / a)}%` : 'n/a';
}

export function capacityLine(c: CapacityChange): string {
  const { before: b, after: a } = c;
  const cpu = `CPU ${cores(b.cpuMillicores.requested)}/${cores(b.cpuMillicores.allocatable)} cores (${pct(b.cpuMillicores.requested, b.cpuMillicores.allocatable)}) → ${cores(a.cpuMillicores.requested)}/${cores(a.cpuMillicores.allocatable)} (${pct(a.cpuMillicores.requested, a.cpuMillicores.allocatable)})`;
  const mem = `memory ${gib(b.memoryBytes.requested)}/${gib(b.memoryBytes.allocatable)} GiB (${pct(b.memoryBytes.requested, b.memoryBytes.allocatable)}) → ${gib(a.memoryBytes.requested)}/${gib(a.memoryBytes.allocatable)} (${pct(a.memoryBytes.requested, a.memoryBytes.allocatable)})`;
  return `${cpu}; ${mem}`;
}

/** Field changes to show for one resource: collapsed repeats are left to the repeated-changes list. */
export function shownFields(r: ResourceChange): { fields: FieldChange[]; repeatedCount: number } {
  const fields = r.fields.filter((f) => !f.repeated);
  return { fields, repeatedCount: r.fields.length - fields.length };
}

export function counts(s: { added: number; changed: number; removed: number; renamed: number; moved: number }): string {
  const parts = [
    s.added && `${s.added} added`,
    s.changed && `${s.changed} changed`,
    s.removed && `${s.removed} removed`,
    s.renamed && `${s.renamed} renamed`,
    s.moved && `${s.moved} moved`,
  ].filter(Boolean);
  return parts.length ? parts.join(', ') : 'no changes';
}
