import type { ResolvedSlo } from '@carbon/platform';
import { commonLabels, obj, type K8sObject } from './objects.ts';
import { slisOf } from './slo.ts';

/**
 * Grafana dashboards generated from the definitions: one SLO dashboard per public endpoint (from the
 * same SLO declaration as its rules) and a platform overview (capacity vs quota per namespace, Flux,
 * promotions, nodes). Grafana reads them from a ConfigMap through file provisioning; validate checks
 * the JSON, the UIDs and that every query names only metrics some target exports (platform/metrics.yaml).
 */

/** Label on dashboard ConfigMaps (the Grafana sidecar convention; validate finds them by it). */
export const DASHBOARD_LABEL = 'grafana_dashboard';

type Target = { expr: string; legendFormat?: string; refId: string };
type Panel = Record<string, unknown>;

const DATASOURCE = { type: 'prometheus', uid: 'prometheus' };

function panel(id: number, title: string, type: 'timeseries' | 'stat' | 'table', grid: { x: number; y: number; w: number; h: number }, exprs: [string, string?][], extra: Record<string, unknown> = {}): Panel {
  const targets: Target[] = exprs.map(([expr, legend], i) => ({ expr, refId: String.fromCharCode(65 + i), ...(legend ? { legendFormat: legend } : {}), ...(type === 'table' ? { instant: true, format: 'table' } : {}) }));
  return { id, title, type, datasource: DATASOURCE, gridPos: grid, targets, ...extra };
}

function dashboard(uid: string, title: string, tags: string[], panels: Panel[]): Record<string, unknown> {
  return { uid, title, tags, editable: false, schemaVersion: 39, time: { from: 'now-7d', to: 'now' }, refresh: '1m', timezone: 'utc', panels };
}

const percent = { fieldConfig: { defaults: { unit: 'percentunit', decimals: 3 } } };

/** One SLO dashboard: per SLI the budget left, the burn rate over the alert windows, and the raw edge traffic. */
export function sloDashboard(slo: ResolvedSlo): Record<string, unknown> {
  const panels: Panel[] = [];
  let id = 1;
  let y = 0;
  for (const sli of slisOf(slo)) {
    const sel = `{slo="${sli.id}"}`;
    const budget = Number((1 - sli.objective).toPrecision(12));
    panels.push(
      panel(id++, `${sli.kind} (${sli.source}): error budget left, ${slo.window}`, 'stat', { x: 0, y, w: 6, h: 6 }, [[`slo:error_budget_remaining:ratio${sel}`]], percent),
      panel(id++, `${sli.kind} (${sli.source}): error ratio vs objective`, 'timeseries', { x: 6, y, w: 9, h: 6 }, [[`slo:sli_error:ratio_rate5m${sel}`, 'errors (5m)'], [`slo:sli_error:ratio_rate1h${sel}`, 'errors (1h)'], [`slo:error_budget:ratio${sel}`, 'budget']], percent),
      panel(id++, `${sli.kind} (${sli.source}): burn rate (page above 14.4 / 6, ticket above 3 / 1)`, 'timeseries', { x: 15, y, w: 9, h: 6 }, [
        [`slo:sli_error:ratio_rate1h${sel} / ${budget}`, '1h'],
        [`slo:sli_error:ratio_rate6h${sel} / ${budget}`, '6h'],
        [`slo:sli_error:ratio_rate1d${sel} / ${budget}`, '1d'],
        [`slo:sli_error:ratio_rate3d${sel} / ${budget}`, '3d'],
      ]),
    );
    y += 6;
  }
  const host = `host="${slo.host}"`;
  panels.push(
    panel(id++, `Requests per second at the edge by status (${slo.host})`, 'timeseries', { x: 0, y, w: 12, h: 8 }, [[`sum by (status) (rate(nginx_ingress_controller_requests{${host}}[5m]))`, '{{status}}']], { fieldConfig: { defaults: { unit: 'reqps' } } }),
    panel(id++, 'Latency at the edge (p50, p95, p99)', 'timeseries', { x: 12, y, w: 12, h: 8 }, ['0.5', '0.95', '0.99'].map((q) => [`histogram_quantile(${q}, sum by (le) (rate(nginx_ingress_controller_request_duration_seconds_bucket{${host}}[5m])))`, `p${Number(q) * 100}`] as [string, string]), { fieldConfig: { defaults: { unit: 's' } } }),
  );
  const objective = [`${slo.availability} % available`, slo.latency ? `${slo.latency.percent} % under ${slo.latency.thresholdMs} ms` : 'no latency objective'].join(', ');
  return dashboard(`slo-${slo.name}`, `SLO: ${slo.host} (${objective})`, ['slo', slo.service, `team-${slo.team}`], panels);
}

/** The platform at a glance: what each namespace uses of its quota, Flux and promotions, nodes. */
export function platformOverviewDashboard(cluster: string): Record<string, unknown> {
  const quota = (resource: string) => `max by (namespace) (kube_resourcequota{type="used",resource="${resource}"})\n/ on (namespace)\nmax by (namespace) (kube_resourcequota{type="hard",resource="${resource}"})`;
  const panels: Panel[] = [
    panel(1, 'CPU requests vs quota per namespace', 'timeseries', { x: 0, y: 0, w: 12, h: 8 }, [[quota('requests.cpu'), '{{namespace}}']], percent),
    panel(2, 'Memory requests vs quota per namespace', 'timeseries', { x: 12, y: 0, w: 12, h: 8 }, [[quota('requests.memory'), '{{namespace}}']], percent),
    panel(3, 'Pods vs quota per namespace', 'timeseries', { x: 0, y: 8, w: 12, h: 8 }, [[quota('pods'), '{{namespace}}']], percent),
    panel(4, 'Flux Kustomizations not Ready or suspended', 'table', { x: 12, y: 8, w: 12, h: 8 }, [
      ['max by (name, ready, suspended) (gotk_resource_info{customresource_kind="Kustomization",ready!="True"}) or max by (name, ready, suspended) (gotk_resource_info{suspended="true"})'],
    ]),
    panel(5, 'Promotions: revision each service runs', 'table', { x: 0, y: 16, w: 12, h: 10 }, [['max by (name, revision_applied, revision_attempted) (gotk_resource_info{customresource_kind="Kustomization"})']]),
    panel(6, 'Flux reconcile errors per controller', 'timeseries', { x: 12, y: 16, w: 12, h: 10 }, [['sum by (controller) (rate(controller_runtime_reconcile_errors_total{namespace="flux-system"}[5m]))', '{{controller}}']]),
    panel(7, 'Node CPU busy', 'timeseries', { x: 0, y: 26, w: 12, h: 8 }, [['1 - avg by (node) (rate(node_cpu_seconds_total{mode="idle"}[5m]))', '{{node}}']], percent),
    panel(8, 'Node memory available', 'timeseries', { x: 12, y: 26, w: 12, h: 8 }, [['max by (node) (node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes)', '{{node}}']], percent),
  ];
  return dashboard('platform-overview', `Platform overview (${cluster})`, ['platform'], panels);
}

/** The dashboards ConfigMap Grafana mounts (one JSON file per dashboard). */
export function dashboardsConfigMap(s: { name: string; namespace: string; service: string }, dashboards: Record<string, unknown>[]): K8sObject {
  const data = Object.fromEntries(dashboards.map((d) => [`${String(d.uid)}.json`, `${JSON.stringify(d, null, 2)}\n`]).sort(([a], [b]) => a!.localeCompare(b!)));
  return obj('v1', 'ConfigMap', { name: s.name, namespace: s.namespace, labels: { ...commonLabels(s.service, 'dashboards'), [DASHBOARD_LABEL]: '1' } }, { data });
}
