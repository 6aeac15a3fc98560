import { cores, gib } from '@carbon/platform';
import type { CapacityReport } from '../env.ts';

const pct = (used: number, of: number) => (of > 0 ? `${Math.round(((of - used) / of) * 100)}%` : '—');
const pair = (a: string, b: string) => `${a}/${b}`;

/** The fit table: per node and per namespace, requested / limit against allocatable or quota, headroom, and at peak. */
export function formatCapacity(reports: CapacityReport[]): string {
  const out: string[] = [];
  for (const r of reports) {
    const t = r.totals;
    out.push(`${r.cluster}${r.role ? ` (${r.role})` : ''}: ${r.nodes.length} node${r.nodes.length === 1 ? '' : 's'}, ${cores(t.allocatable.cpu)} vCPU / ${gib(t.allocatable.memory)} GiB allocatable`);
    const head = (first: string) =>
      `  ${first.padEnd(20)} ${'pods'.padStart(9)} ${'cpu req/alloc'.padStart(14)} ${'cpu lim'.padStart(8)} ${'mem GiB req/alloc'.padStart(18)} ${'mem lim'.padStart(8)} ${'headroom cpu/mem'.padStart(17)} ${'at peak cpu/mem'.padStart(16)}`;
    if (r.nodes.length > 1) out.push(`  per node: one feasible placement (the scheduler's split depends on the order pods arrive; only the facts below are claims)`);
    out.push(head('node'));
    for (const n of r.nodes) {
      out.push(
        `  ${n.name.padEnd(20)} ${pair(String(n.pods), String(n.allocatable.pods)).padStart(9)} ${pair(cores(n.requests.cpu), cores(n.allocatable.cpu)).padStart(14)} ${cores(n.limits.cpu).padStart(8)} ${pair(gib(n.requests.memory), gib(n.allocatable.memory)).padStart(18)} ${gib(n.limits.memory).padStart(8)} ${pair(pct(n.requests.cpu, n.allocatable.cpu), pct(n.requests.memory, n.allocatable.memory)).padStart(17)} ${pair(cores(n.peakRequests.cpu), gib(n.peakRequests.memory)).padStart(16)}`,
      );
    }
    out.push(
      `  ${'total'.padEnd(20)} ${pair(String(t.pods), String(t.allocatable.pods)).padStart(9)} ${pair(cores(t.requests.cpu), cores(t.allocatable.cpu)).padStart(14)} ${cores(t.limits.cpu).padStart(8)} ${pair(gib(t.requests.memory), gib(t.allocatable.memory)).padStart(18)} ${gib(t.limits.memory).padStart(8)} ${pair(pct(t.requests.cpu, t.allocatable.cpu), pct(t.requests.memory, t.allocatable.memory)).padStart(17)} ${pair(cores(t.peakRequests.cpu), gib(t.peakRequests.memory)).padStart(16)}`,
    );
    out.push('');
    out.push(head('namespace').replace('req/alloc', 'req/quota').replace('req/alloc', 'req/quota').replace('   pods', 'pods/quota'.padStart(7)));
    for (const n of r.namespaces) {
      const q = n.quota;
      const over = q && (n.requests.cpu > q.requests.cpu || n.requests.memory > q.requests.memory || n.limits.cpu > q.limits.cpu || n.limits.memory > q.limits.memory || n.pods > q.pods) ? '  OVER QUOTA' : '';
      out.push(
        `  ${n.namespace.padEnd(20)} ${pair(String(n.pods), q ? String(q.pods) : '—').padStart(9)} ${pair(cores(n.requests.cpu), q ? cores(q.requests.cpu) : '—').padStart(14)} ${pair(cores(n.limits.cpu), q ? cores(q.limits.cpu) : '—').padStart(8)} ${pair(gib(n.requests.memory), q ? gib(q.requests.memory) : '—').padStart(18)} ${pair(gib(n.limits.memory), q ? gib(q.limits.memory) : '—').padStart(8)} ${pair(q ? pct(n.requests.cpu, q.requests.cpu) : '—', q ? pct(n.requests.memory, q.requests.memory) : '—').padStart(17)} ${pair(cores(n.peakRequests.cpu), gib(n.peakRequests.memory)).padStart(16)}${over}`,
      );
    }
    out.push('');
    out.push(`  placement facts (hold whatever order the scheduler uses): ${r.placed} pods placed, ${r.unplaceable.reduce((n, u) => n + u.count, 0)} cannot be placed; every node within its allocatable pods, CPU and memory`);
    for (const x of r.rules) out.push(`    ${x.workload} ×${x.pods}: ${x.rule}`);
    if (r.unplaceable.length) {
      out.push('');
      out.push('  cannot be placed:');
      for (const u of r.unplaceable) out.push(`    ${u.workload} ×${u.count}: ${u.reasons.join('; ')}`);
    }
    out.push('');
  }
  return `${out.join('\n')}`;
}
