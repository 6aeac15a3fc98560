import { resolveSlo, type ClusterFacts, type PublicEndpoint, type ResolvedSlo, type ServiceDefinition, type SliKind, type SliSource } from '@carbon/platform';
import { commonLabels, obj, type K8sObject } from './objects.ts';
import { fqdn, SCRAPE_LABEL } from './service.ts';

/**
 * SLOs as Prometheus rules, the SRE workbook's multiwindow, multi-burn-rate way (as sloth and pyrra
 * generate them): per SLI one error-ratio recording rule per window, the 30-day ratio and the
 * remaining error budget, and two alerts — a fast burn that pages and a slow burn that opens a ticket.
 */

/** Label on a PrometheusRule naming the public host whose SLO it carries (validate's SLO001 looks for it). */
export const SLO_HOST_LABEL = 'slo.254carbon.com/host';

/** Where alerts' runbook links point: the runbooks in this repository on GitHub. */
export function runbookUrl(cluster: ClusterFacts, anchor: string): string {
  const m = /github\.com[:/]([^/]+)\/([^/]+?)(?:\.git)?$/.exec(cluster.git.url);
  const base = m ? `https://github.com/${m[1]}/${m[2]}/blob/${cluster.git.branch}` : cluster.git.url;
  return `${base}/docs/runbooks.md#${anchor}`;
}

/** Windows the recording rules compute (the burn-rate alerts' long and short windows). */
export const SLO_WINDOWS = ['5m', '30m', '1h', '2h', '6h', '1d', '3d'] as const;

/**
 * (long window, short window, burn rate, severity): 2 % of a 30-day budget in 1 h or 5 % in 6 h pages;
 * 10 % in 1 day or 10 % in 3 days opens a ticket (SRE workbook, table 5-8).
 */
export const BURN_ALERTS = [
  { alert: 'ErrorBudgetBurnFast', severity: 'critical', windows: [['1h', '5m', 14.4], ['6h', '30m', 6]] },
  { alert: 'ErrorBudgetBurnSlow', severity: 'warning', windows: [['1d', '2h', 3], ['3d', '6h', 1]] },
] as const;

/** One endpoint's SLO on a cluster, or undefined when it declares none. */
export function sloOf(svc: ServiceDefinition, p: PublicEndpoint, index: number, cluster: ClusterFacts): ResolvedSlo | undefined {
  if (!p.slo) return undefined;
  const name = (svc.public ?? []).length === 1 ? svc.name : `${svc.name}-${index === 0 ? 'main' : p.host}`;
  return resolveSlo(p.slo, { service: svc.name, namespace: svc.namespace, ...(svc.team ? { team: svc.team } : {}), host: fqdn(p.host, cluster.domain), name });
}

/** Every declared SLO of the platform on a cluster, sorted by name. */
export function slosOf(services: ServiceDefinition[], cluster: ClusterFacts): ResolvedSlo[] {
  return services
    .flatMap((s) => (s.public ?? []).map((p, i) => sloOf(s, p, i, cluster)).filter((x): x is ResolvedSlo => x !== undefined))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** An SLI of one SLO: which ratio of requests count as errors. */
export interface Sli {
  slo: ResolvedSlo;
  kind: SliKind;
  source: SliSource;
  /** Objective as a ratio (0.999). */
  objective: number;
  /** `<slo name>-<kind>[-own]`: the `slo` label of every series and alert of this SLI. */
  id: string;
}

export function slisOf(slo: ResolvedSlo): Sli[] {
  const out: Sli[] = [];
  const sources: SliSource[] = slo.own ? ['edge', 'own'] : ['edge'];
  for (const source of sources) {
    const suffix = source === 'own' ? '-own' : '';
    out.push({ slo, kind: 'availability', source, objective: slo.availability / 100, id: `${slo.name}-availability${suffix}` });
    if (slo.latency) out.push({ slo, kind: 'latency', source, objective: slo.latency.percent / 100, id: `${slo.name}-latency${suffix}` });
  }
  return out;
}

/** A histogram's `le` for a threshold; Prometheus 3 writes integral bounds as `1.0`, 2.x as `1`, so both match. */
export function leMatcher(thresholdMs: number): string {
  const seconds = thresholdMs / 1000;
  return Number.isInteger(seconds) ? `le=~"${seconds}(\\\\.0)?"` : `le="${seconds}"`;
}

const EDGE_REQUESTS = 'nginx_ingress_controller_requests';
const EDGE_DURATION = 'nginx_ingress_controller_request_duration_seconds';

/** The error ratio of an SLI over a window, as PromQL over the raw series. */
export function errorRatioExpr(sli: Sli, window: string): string {
  const { slo } = sli;
  if (sli.source === 'edge') {
    const host = `host="${slo.host}"`;
    if (sli.kind === 'availability') {
      return `(sum(rate(${EDGE_REQUESTS}{${host},status=~"5.."}[${window}])) or vector(0))\n/\nsum(rate(${EDGE_REQUESTS}{${host}}[${window}]))`;
    }
    return `1 - (\n  sum(rate(${EDGE_DURATION}_bucket{${host},${leMatcher(slo.latency!.thresholdMs)}}[${window}]))\n  /\n  sum(rate(${EDGE_DURATION}_count{${host}}[${window}]))\n)`;
  }
  const own = slo.own!;
  const sel = [`namespace="${slo.namespace}"`, ...(own.matchers ?? [])].join(',');
  if (sli.kind === 'availability') {
    return `(sum(rate(${own.histogram}_count{${sel},${own.statusLabel}=~"5.."}[${window}])) or vector(0))\n/\nsum(rate(${own.histogram}_count{${sel}}[${window}]))`;
  }
  return `1 - (\n  sum(rate(${own.histogram}_bucket{${sel},${leMatcher(slo.latency!.thresholdMs)}}[${window}]))\n  /\n  sum(rate(${own.histogram}_count{${sel}}[${window}]))\n)`;
}

/** Labels every series and alert of an SLI carries (routing keys: team, namespace, severity). */
export function sliLabels(sli: Sli): Record<string, string> {
  return { slo: sli.id, sli: sli.kind, source: sli.source, service: sli.slo.service, namespace: sli.slo.namespace, team: sli.slo.team };
}

const num = (n: number): string => String(Number(n.toPrecision(12)));

function describe(sli: Sli): string {
  const { slo } = sli;
  const what = sli.kind === 'availability' ? `${num(sli.objective * 100)} % of requests succeed` : `${num(sli.objective * 100)} % of requests answer within ${slo.latency!.thresholdMs} ms`;
  return `${what} on ${slo.host} over ${slo.window} (measured ${sli.source === 'edge' ? 'at ingress-nginx' : `from ${slo.own!.histogram}`})`;
}

/** The rule group of one SLI: recording rules per window, the 30-day ratio, budget, and the two burn alerts. */
export function sliRuleGroup(sli: Sli, cluster: ClusterFacts): Record<string, unknown> {
  const labels = sliLabels(sli);
  const budget = 1 - sli.objective;
  const sel = `{slo="${sli.id}"}`;
  const rules: Record<string, unknown>[] = SLO_WINDOWS.map((w) => ({ record: `slo:sli_error:ratio_rate${w}`, expr: errorRatioExpr(sli, w), labels }));
  rules.push(
    // The 30-day ratio from the 5-minute one (as sloth does): cheap, and exact while traffic is steady.
    { record: `slo:sli_error:ratio_rate${sli.slo.window}`, expr: `avg_over_time(slo:sli_error:ratio_rate5m${sel}[${sli.slo.window}])`, labels },
    { record: 'slo:objective:ratio', expr: `vector(${num(sli.objective)})`, labels },
    { record: 'slo:error_budget:ratio', expr: `vector(${num(budget)})`, labels },
    { record: 'slo:error_budget_remaining:ratio', expr: `1 - slo:sli_error:ratio_rate${sli.slo.window}${sel} / ${num(budget)}`, labels },
  );
  for (const a of BURN_ALERTS) {
    const expr = a.windows
      .map(([long, short, rate]) => `(slo:sli_error:ratio_rate${long}${sel} > (${num(rate)} * ${num(budget)})\nand\nslo:sli_error:ratio_rate${short}${sel} > (${num(rate)} * ${num(budget)}))`)
      .join('\nor\n');
    const fast = a.alert === 'ErrorBudgetBurnFast';
    rules.push({
      alert: a.alert,
      expr,
      labels: { ...labels, severity: a.severity },
      annotations: {
        summary: `${sli.slo.host}: ${sli.kind} error budget burning ${fast ? 'fast (gone in under 2 days at this rate)' : 'steadily (gone before the window ends)'}`,
        description: `SLO: ${describe(sli)}. The error ratio is above ${a.windows.map(([l, , r]) => `${num(r)}× the budget over ${l}`).join(' or ')}.`,
        runbook_url: runbookUrl(cluster, fast ? 'errorbudgetburnfast' : 'errorbudgetburnslow'),
      },
    });
  }
  return { name: `slo-${sli.id}`, rules };
}

/** The PrometheusRule of one SLO, in the service's namespace, labelled for Prometheus and for validate. */
export function sloRule(slo: ResolvedSlo, cluster: ClusterFacts): K8sObject {
  return obj('monitoring.coreos.com/v1', 'PrometheusRule', {
    name: `${slo.name}-slo`,
    namespace: slo.namespace,
    labels: { ...commonLabels(slo.service, 'slo'), [SCRAPE_LABEL]: 'true', [SLO_HOST_LABEL]: slo.host },
    annotations: {
      'slo.254carbon.com/availability': `${num(slo.availability)}%`,
      'slo.254carbon.com/latency': slo.latency ? `${num(slo.latency.percent)}% < ${slo.latency.thresholdMs}ms` : `none: ${slo.latencyNone ?? ''}`,
      'slo.254carbon.com/window': slo.window,
    },
  }, { spec: { groups: slisOf(slo).map((sli) => sliRuleGroup(sli, cluster)) } });
}
