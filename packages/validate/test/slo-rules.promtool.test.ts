/**
 * Every generated SLO burn-rate alert, proven with `promtool test rules` on synthetic ingress-nginx
 * (and own-metric) series: an outage pages (fast burn), a steady 5× burn opens a ticket without
 * paging, and traffic within the objective stays quiet. Traffic is built from the definitions'
 * declarations (objective, host, threshold), not from the generated rules; the alerts under test
 * are the committed generated files.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadPlatform } from '@carbon/generate';
import { slosOf, SLO_HOST_LABEL } from '@carbon/manifests';
import type { ClusterFacts, ResolvedSlo, ServiceDefinition } from '@carbon/platform';
import { checkTool, findRepoRoot } from '@carbon/toolchain';
import { promtoolTest, readRuleObjects, type AlertCase, type Group, type Series } from './promtool-harness.ts';

const root = findRepoRoot(process.cwd());
let promtool = '';
let defs: ServiceDefinition[] = [];
let clusters: ClusterFacts[] = [];

beforeAll(async () => {
  promtool = await checkTool(root, 'promtool');
  const platform = await loadPlatform(root);
  defs = platform.services.map((s) => s.definition);
  clusters = platform.clusters;
});

type SliCase = { kind: 'availability' | 'latency'; source: 'edge' | 'own'; objective: number };

function slisOfDeclaration(slo: ResolvedSlo): SliCase[] {
  const sources = slo.own ? (['edge', 'own'] as const) : (['edge'] as const);
  return sources.flatMap((source) => [
    { kind: 'availability' as const, source, objective: slo.availability / 100 },
    ...(slo.latency ? [{ kind: 'latency' as const, source, objective: slo.latency.percent / 100 }] : []),
  ]);
}

/** `le` as Prometheus 3 writes it (1 s → "1.0"); the rules must match both spellings. */
const le = (ms: number) => (Number.isInteger(ms / 1000) ? `${ms / 1000}.0` : `${ms / 1000}`);

/** Labels a test series gets for an own-metric matcher (`a="x"` → x, `a!="x"` → another value). */
function matcherLabels(matchers: string[]): string {
  return matchers
    .map((m) => /^([a-zA-Z_][a-zA-Z0-9_]*)(=|!=)"(.*)"$/.exec(m))
    .filter((m): m is RegExpExecArray => m !== null)
    .map(([, k, op, v]) => `${k}="${op === '=' ? v : `${v}-other`}"`)
    .join(',');
}

/** Series for one SLI with `errorRatio` of T requests per step failing (5xx) or slow. */
function seriesFor(slo: ResolvedSlo, sli: SliCase, errorRatio: number, steps: number): Series[] {
  const T = 10000;
  const bad = Math.round(T * errorRatio * 1000) / 1000;
  const good = T - bad;
  const v = (per: number) => `0+${per}x${steps}`;
  if (sli.source === 'edge') {
    const host = `host="${slo.host}"`;
    if (sli.kind === 'availability') {
      return [
        { series: `nginx_ingress_controller_requests{${host},status="200"}`, values: v(good) },
        { series: `nginx_ingress_controller_requests{${host},status="503"}`, values: v(bad) },
      ];
    }
    return [
      { series: `nginx_ingress_controller_request_duration_seconds_bucket{${host},le="${le(slo.latency!.thresholdMs)}"}`, values: v(good) },
      { series: `nginx_ingress_controller_request_duration_seconds_bucket{${host},le="+Inf"}`, values: v(T) },
      { series: `nginx_ingress_controller_request_duration_seconds_count{${host}}`, values: v(T) },
    ];
  }
  const own = slo.own!;
  const base = [`namespace="${slo.namespace}"`, matcherLabels(own.matchers ?? [])].filter(Boolean).join(',');
  if (sli.kind === 'availability') {
    return [
      { series: `${own.histogram}_count{${base},${own.statusLabel}="200"}`, values: v(good) },
      { series: `${own.histogram}_count{${base},${own.statusLabel}="500"}`, values: v(bad) },
    ];
  }
  return [
    { series: `${own.histogram}_bucket{${base},${own.statusLabel}="200",le="${le(slo.latency!.thresholdMs)}"}`, values: v(good) },
    { series: `${own.histogram}_count{${base},${own.statusLabel}="200"}`, values: v(T) },
  ];
}

function casesFor(slo: ResolvedSlo): AlertCase[] {
  const cases: AlertCase[] = [];
  for (const sli of slisOfDeclaration(slo)) {
    const id = `${slo.name}-${sli.kind}${sli.source === 'own' ? '-own' : ''}`;
    const budget = 1 - sli.objective;
    const labels = (severity: string) => ({ slo: id, sli: sli.kind, source: sli.source, service: slo.service, namespace: slo.namespace, team: slo.team, severity });
    // Outage: every request fails. Pages (1 h and 5 m above 14.4×) and the slow alert fires too.
    const outage = seriesFor(slo, sli, 1, 120);
    cases.push({ name: `${id}: outage pages`, series: outage, evalTime: '70m', alertname: 'ErrorBudgetBurnFast', fires: [labels('critical')] });
    cases.push({ name: `${id}: outage also tickets`, series: outage, evalTime: '70m', alertname: 'ErrorBudgetBurnSlow', fires: [labels('warning')] });
    // A steady 5× burn: above the ticket threshold (3×), below both paging ones (6×, 14.4×).
    const steady = seriesFor(slo, sli, 5 * budget, 60);
    cases.push({ name: `${id}: 5x burn does not page`, interval: '5m', series: steady, evalTime: '4h', alertname: 'ErrorBudgetBurnFast', fires: [] });
    cases.push({ name: `${id}: 5x burn tickets`, interval: '5m', series: steady, evalTime: '4h', alertname: 'ErrorBudgetBurnSlow', fires: [labels('warning')] });
    // Within the objective (half the budget): quiet.
    const healthy = seriesFor(slo, sli, budget / 2, 120);
    cases.push({ name: `${id}: within objective, no page`, series: healthy, evalTime: '70m', alertname: 'ErrorBudgetBurnFast', fires: [] });
    cases.push({ name: `${id}: within objective, no ticket`, series: healthy, evalTime: '70m', alertname: 'ErrorBudgetBurnSlow', fires: [] });
  }
  return cases;
}

function ruleGroupsFor(slo: ResolvedSlo, cluster: string): Group[] {
  const dir = defs.find((d) => d.name === slo.service)!.name;
  const objects = readRuleObjects(join(root, 'apps', dir, 'deploy')).filter(
    (r) => r.object.metadata.labels?.[SLO_HOST_LABEL] === slo.host && (r.file.includes(`/overlays/${cluster}/`) || r.file.includes('/base/')),
  );
  expect(objects, `one generated SLO rule for ${slo.host} on ${cluster}`).toHaveLength(1);
  return objects[0]!.object.spec.groups;
}

describe('SLO burn-rate alerts (promtool test rules, generated rules, both clusters)', () => {
  it('every public endpoint of the repo declares an SLO', () => {
    const endpoints = defs.flatMap((d) => (d.public ?? []).map((p) => `${d.name}:${p.host}:${p.slo ? 'slo' : 'none'}`));
    expect(endpoints.length).toBeGreaterThan(5);
    expect(endpoints.filter((e) => e.endsWith(':none'))).toEqual([]);
  });

  it('each SLO alert fires on an outage, tickets without paging on a steady 5x burn, stays quiet within the objective', async () => {
    let total = 0;
    for (const cluster of clusters) {
      for (const slo of slosOf(defs, cluster)) {
        const cases = casesFor(slo);
        total += cases.length;
        const res = await promtoolTest(promtool, ruleGroupsFor(slo, cluster.name), cases);
        expect(res.exitCode, `${cluster.name} ${slo.name}:\n${res.output}`).toBe(0);
      }
    }
    // 9 endpoints × 2 clusters, 2 SLIs each (Harbor and MinIO: availability only; Grafana: edge + own).
    expect(total).toBeGreaterThanOrEqual(2 * 6 * 15);
  }, 600_000);

  it('the harness can fail: claiming a page for healthy traffic is a promtool failure', async () => {
    const cluster = clusters[0]!;
    const slo = slosOf(defs, cluster)[0]!;
    const healthy = seriesFor(slo, { kind: 'availability', source: 'edge', objective: slo.availability / 100 }, (1 - slo.availability / 100) / 2, 120);
    const labels = { slo: `${slo.name}-availability`, sli: 'availability', source: 'edge', service: slo.service, namespace: slo.namespace, team: slo.team, severity: 'critical' };
    const res = await promtoolTest(promtool, ruleGroupsFor(slo, cluster.name), [{ name: 'wrong on purpose', series: healthy, evalTime: '70m', alertname: 'ErrorBudgetBurnFast', fires: [labels] }]);
    expect(res.exitCode).not.toBe(0);
    expect(res.output).toMatch(/FAILED|expected/i);
  }, 120_000);
});
