import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parser } from '@prometheus-io/lezer-promql';
import { DefinitionErrors, YamlSource, type DefinitionError } from '@carbon/platform';
import type { RenderedObject } from '@carbon/render';
import type { ClusterView, Emit } from '../types.ts';

/**
 * Queries against what is really exported. `platform/metrics.yaml` lists, per scrape target, the
 * metric names rules and dashboards may use; recording rules add their own names. An alert on a
 * metric nobody exports never fires, and a dashboard panel on one stays empty: both are findings.
 */

export const METRICS_FILE = 'platform/metrics.yaml';
/** ConfigMaps carrying Grafana dashboards (the sidecar's label, also used by our file provisioning). */
export const DASHBOARD_LABEL = 'grafana_dashboard';

export type MetricCatalog = { file: string; exporters: Map<string, Set<string>>; names: Set<string> };

/** Reads platform/metrics.yaml (absent: the metric checks are skipped). Problems are located errors. */
export function loadMetricCatalog(repo: string): MetricCatalog | undefined {
  const abs = join(repo, METRICS_FILE);
  if (!existsSync(abs)) return undefined;
  const src = YamlSource.read(abs, METRICS_FILE);
  const raw = (src.toJS() ?? {}) as { exporters?: Record<string, unknown> };
  const errors: DefinitionError[] = [];
  const exporters = new Map<string, Set<string>>();
  if (!raw.exporters || typeof raw.exporters !== 'object') errors.push(src.error('exporters', 'must map each exporter to the list of metric names it exports'));
  for (const [name, list] of Object.entries(raw.exporters ?? {})) {
    if (!Array.isArray(list)) {
      errors.push(src.error(`exporters.${name}`, 'must be a list of metric names'));
      continue;
    }
    list.forEach((m, i) => {
      if (typeof m !== 'string' || !/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(m)) errors.push(src.error(`exporters.${name}.${i}`, `"${String(m)}" is not a metric name`));
    });
    exporters.set(name, new Set(list.filter((m): m is string => typeof m === 'string')));
  }
  if (errors.length) throw new DefinitionErrors(errors);
  return { file: METRICS_FILE, exporters, names: new Set([...exporters.values()].flatMap((s) => [...s])) };
}

/** Grafana's interval variables become a plain duration so the query parses. */
const withoutGrafanaVariables = (expr: string): string => expr.replace(/\$__(rate_interval|interval|range)\b/g, '5m').replace(/\$\{?[a-zA-Z_][a-zA-Z0-9_]*\}?/g, 'x');

/** Metric names a PromQL expression selects, or the offset of its first syntax error. */
export function metricNamesOf(expr: string): { names: string[]; error?: number } {
  const text = withoutGrafanaVariables(expr);
  const tree = parser.parse(text);
  const names = new Set<string>();
  let error: number | undefined;
  const cursor = tree.cursor();
  do {
    if (cursor.type.isError && error === undefined) error = cursor.from;
    if (cursor.name === 'Identifier' && cursor.node.parent?.name === 'VectorSelector') names.add(text.slice(cursor.from, cursor.to));
  } while (cursor.next());
  return { names: [...names].sort(), ...(error !== undefined ? { error } : {}) };
}

type RuleGroups = { groups?: { name?: string; rules?: { record?: string; alert?: string; expr?: string }[] }[] };
type DashboardPanel = { title?: string; targets?: { expr?: string }[]; panels?: DashboardPanel[] };

/** Every name the cluster's recording rules produce. */
function recordedNames(objects: RenderedObject[]): Set<string> {
  const out = new Set<string>();
  for (const ro of objects) {
    if (ro.object.kind !== 'PrometheusRule') continue;
    for (const g of ((ro.object as { spec?: RuleGroups }).spec?.groups ?? [])) for (const r of g.rules ?? []) if (r.record) out.add(r.record);
  }
  return out;
}

function unknownIn(expr: string, known: Set<string>): string[] {
  return metricNamesOf(expr).names.filter((n) => !known.has(n));
}

/** PRM002 (rules), DSH001–DSH003 (dashboards: JSON, unique UIDs, exported metrics). */
export function metricChecks(view: ClusterView, emit: Emit, catalog: MetricCatalog | undefined): void {
  const known = new Set([...(catalog?.names ?? []), ...recordedNames(view.objects)]);
  if (catalog) {
    for (const ro of view.objects) {
      if (ro.object.kind !== 'PrometheusRule') continue;
      ((ro.object as { spec?: RuleGroups }).spec?.groups ?? []).forEach((g, gi) =>
        (g.rules ?? []).forEach((r, ri) => {
          const unknown = unknownIn(r.expr ?? '', known);
          if (unknown.length) emit('PRM002', ro, `${r.alert ?? r.record ?? `rule ${ri + 1}`} (group ${g.name}) reads ${unknown.join(', ')}, which no target in ${catalog.file} exports`, ['spec', 'groups', gi, 'rules', ri, 'expr']);
        }),
      );
    }
  }
  const uids = new Map<string, string>();
  for (const ro of view.objects) {
    if (ro.object.kind !== 'ConfigMap' || ro.object.metadata?.labels?.[DASHBOARD_LABEL] === undefined) continue;
    for (const [key, text] of Object.entries((ro.object as { data?: Record<string, string> }).data ?? {})) {
      if (!key.endsWith('.json')) continue;
      let dash: { uid?: string; title?: string; panels?: DashboardPanel[] };
      try {
        dash = JSON.parse(text) as typeof dash;
      } catch (e) {
        emit('DSH001', ro, `${key}: not valid JSON (${(e as Error).message})`, ['data', key]);
        continue;
      }
      const where = `${key} (${dash.title ?? 'untitled'})`;
      if (!dash.uid) emit('DSH002', ro, `${where} has no uid: Grafana would make one up on every start`, ['data', key]);
      else if (uids.has(dash.uid)) emit('DSH002', ro, `${where}: uid "${dash.uid}" is also used by ${uids.get(dash.uid)}`, ['data', key]);
      else uids.set(dash.uid, `${ro.object.metadata?.namespace ?? ''}/${ro.object.metadata?.name ?? ''} ${key}`);
      if (!catalog) continue;
      const panels = (ps: DashboardPanel[] | undefined): DashboardPanel[] => (ps ?? []).flatMap((p) => [p, ...panels(p.panels)]);
      for (const p of panels(dash.panels)) {
        for (const t of p.targets ?? []) {
          if (!t.expr) continue;
          const parsed = metricNamesOf(t.expr);
          if (parsed.error !== undefined) emit('DSH003', ro, `${where}, panel "${p.title ?? '?'}": the query does not parse at offset ${parsed.error}: ${t.expr}`, ['data', key]);
          const unknown = parsed.names.filter((n) => !known.has(n));
          if (unknown.length) emit('DSH003', ro, `${where}, panel "${p.title ?? '?'}" reads ${unknown.join(', ')}, which no target in ${catalog.file} exports`, ['data', key]);
        }
      }
    }
  }
}
