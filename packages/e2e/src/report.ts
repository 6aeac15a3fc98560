import type { E2eResult } from './run.ts';

const mib = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MiB`;

export function formatResult(r: E2eResult): string {
  const lines: string[] = [];
  lines.push(`e2e of ${r.commit.slice(0, 12)}: ${r.ok ? 'PASS' : 'FAIL'} in ${r.seconds.toFixed(1)} s, peak RSS of all components ${mib(r.peakRssBytes)}`);
  for (const c of r.clusters) {
    lines.push(`  ${c.cluster}: ${c.kustomizations} Kustomizations Ready in ${c.secondsToReady.toFixed(1)} s after bootstrap; ${c.objectsApplied} objects applied; ${c.pods.running} pods Ready, ${c.pods.succeeded} Job pods completed`);
    lines.push(`    accepted: ${Object.entries(c.accepted).map(([k, n]) => `${n} ${k}`).join(', ') || 'none'}`);
    const pl = c.placement;
    lines.push(`    placement: ${pl.placed.scheduler} pods bound (model ${pl.placed.model}), ${pl.rules} constrained workloads' rules and every node's allocatable checked; ${pl.differences.length ? `${pl.differences.length} violated` : 'all hold'}; per node: scheduler ${JSON.stringify(pl.actual)}, model's example split ${JSON.stringify(pl.predicted)} (order-dependent, not compared)`);
    lines.push(`    dropped (served by pods that cannot run here): ${c.drops.map((d) => `${d.kind} ${d.name}`).join(', ') || 'none'}`);
  }
  const p = r.promotion;
  if (p) {
    lines.push(`  promotion: ${p.service}@${p.revision.slice(0, 12)} promoted in ${p.seconds.total.toFixed(1)} s: notification-controller's ${p.dispatch.eventType} (${p.dispatch.severity}/${p.dispatch.reason}, ${p.dispatch.revision}) after ${p.seconds.singleNodeToDispatch.toFixed(1)} s; promote action ${p.action.outcome} PR #${p.action.pullRequest} in ${p.seconds.action.toFixed(1)} s; multi-node ${p.multiNode.before} -> ${p.multiNode.after} in ${p.seconds.multiNodeReconcile.toFixed(1)} s`);
    for (const o of p.policyOverride) lines.push(`    ${o}`);
  }
  for (const p of r.problems) lines.push(`FAIL ${p}`);
  return `${lines.join('\n')}\n`;
}
