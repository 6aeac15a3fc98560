import { diffLines } from 'diff';
import { stringify } from 'yaml';
import { canonical } from '../fields.ts';
import type { CapacityChange, FieldChange, ResourceChange, SectionReport } from '../types.ts';

/** Shared text pieces for the terminal and markdown formats. */

export function showValue(v: unknown, max: number): string {
  const s = typeof v === 'string' ? (/^[\w./:@‹›# -]*$/.test(v) && v !== '' ? v : JSON.stringify(v)) : canonical(v);
  return s.length > max ? `${s.slice(0, Math.max(0, max - 1))}…` : s;
}

/** Line diff of two multi-line strings (the `diff` package's Myers diff; no size cap), with `context` lines around each change. */
export function textDiff(a: string, b: string, context = 2): string[] {
  const ops: Array<[' ' | '-' | '+', string]> = [];
  for (const part of diffLines(a, b)) {
    const lines = part.value.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    for (const line of lines) ops.push([part.added ? '+' : part.removed ? '-' : ' ', line]);
  }
  const changed = ops.map(([t]) => t !== ' ');
  const near = new Array<boolean>(ops.length).fill(false);
  changed.forEach((c, k) => {
    if (c) for (let i = Math.max(0, k - context); i <= Math.min(ops.length - 1, k + context); i++) near[i] = true;
  });
  const out: string[] = [];
  let skipped = false;
  ops.forEach(([t, line], k) => {
    if (near[k]) {
      if (skipped) out.push('…');
      skipped = false;
      out.push(`${t} ${line}`);
    } else skipped = true;
  });
  return out;
}

export type Detail = 'full' | 'compact';

function isNested(v: unknown): boolean {
  return (Array.isArray(v) && v.length > 0) || (!!v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length > 0);
}

/** A nested value as YAML lines (keys stay readable, no long JSON line). */
function yamlLines(v: unknown): string[] {
  return stringify(v, { lineWidth: 0 }).replace(/\n$/, '').split('\n');
}

/** One field change as lines: `~ path: a → b`, `+ path: v`, `- path: v`; nested values as YAML lines and multi-line strings as a line diff in full detail. */
export function fieldLines(f: FieldChange, detail: Detail): string[] {
  const max = detail === 'full' ? 240 : 60;
  const nested = (sym: '+' | '-', v: unknown) => [`${sym} ${f.path}:`, ...yamlLines(v).map((l) => `${sym}     ${l}`)];
  if (f.op === 'added') return detail === 'full' && isNested(f.after) ? nested('+', f.after) : [`+ ${f.path}: ${showValue(f.after, max)}`];
  if (f.op === 'removed') return detail === 'full' && isNested(f.before) ? nested('-', f.before) : [`- ${f.path}: ${showValue(f.before, max)}`];
  if (detail === 'full' && typeof f.before === 'string' && typeof f.after === 'string' && (f.before.includes('\n') || f.after.includes('\n'))) {
    return [`~ ${f.path}:`, ...textDiff(f.before, f.after).map((l) => `    ${l}`)];
  }
  if (detail === 'full' && (isNested(f.before) || isNested(f.after))) return [...nested('-', f.before), ...nested('+', f.after)];
  return [`~ ${f.path}: ${showValue(f.before, max)} → ${showValue(f.after, max)}`];
}

/** Characters per line inside a fenced block of the comment: fits a 1000 px window without horizontal scrolling. */
export const FENCE_WIDTH = 88;

/** Long lines broken into continuation lines that keep the line's diff marker (so colouring and meaning hold). */
export function wrapLines(lines: string[], width: number): string[] {
  const out: string[] = [];
  for (const line of lines) {
    if ([...line].length <= width) {
      out.push(line);
      continue;
    }
    const chars = [...line];
    const marker = /^[+\-~ ]/.test(line) ? line[0]! : ' ';
    out.push(chars.slice(0, width).join(''));
    for (let i = width; i < chars.length; i += width - 6) out.push(`${marker}   ↪ ${chars.slice(i, i + width - 6).join('')}`);
  }
  return out;
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

const SECTION_LABEL: Record<SectionReport['kind'], string> = {
  'on-merge': 'applies on merge',
  'pending-promotion': 'when promoted (services wait for promotion)',
  promotion: 'promotion (old pins → new pins)',
  backlog: 'production backlog (on the base branch, not promoted yet)',
};

export function sectionLabel(s: SectionReport): string {
  return `${s.cluster} — ${SECTION_LABEL[s.kind]}`;
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

/** A commit as shown in a header: 7 hex digits, or "working tree" for `--head WORKTREE`. */
export function shortCommit(commit: string): string {
  return commit === 'WORKTREE' ? 'working tree' : commit.slice(0, 7);
}
