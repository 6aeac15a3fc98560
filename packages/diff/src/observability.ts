import type { K8sObject, ResourceChange, Risk, RiskLevel } from './types.ts';

/**
 * Rule, route and dashboard changes in their own terms: an SLO target loosened, an alert removed or
 * no longer paging, a threshold or `for` changed, a receiver or route gone, a dashboard added —
 * instead of a wall of changed YAML lines in a PrometheusRule or a JSON blob in a ConfigMap.
 */

type Lookup = (change: ResourceChange, side: 'base' | 'head') => K8sObject | undefined;
type Rule = { alert?: string; record?: string; expr?: string; for?: string; labels?: Record<string, string>; annotations?: Record<string, string> };

const SLO_ANNOTATION = /^slo\.254carbon\.com\/(availability|latency|window)$/;
const DASHBOARD_LABEL = 'grafana_dashboard';

/** Alerts of a PrometheusRule keyed by name plus their distinguishing static labels (SLO alerts share names). */
function alertsOf(o: K8sObject | undefined): Map<string, Rule> {
  const out = new Map<string, Rule>();
  const groups = ((o?.spec as { groups?: { rules?: Rule[] }[] } | undefined)?.groups ?? []);
  for (const g of groups) {
    for (const r of g.rules ?? []) {
      if (!r.alert) continue;
      const extra = Object.entries(r.labels ?? {}).filter(([k]) => k !== 'severity').map(([k, v]) => `${k}=${v}`).sort().join(',');
      out.set(extra ? `${r.alert}{${extra}}` : r.alert, r);
    }
  }
  return out;
}

/** Comparison thresholds (`> 0.9`, `< 14 * 86400`) in the order they appear. */
const thresholds = (expr: string): string[] => [...expr.matchAll(/([<>]=?|==|!=)\s*\(?\s*([0-9.e+-]+(?:\s*\*\s*[0-9.e+-]+)?)\)?/g)].map((m) => `${m[1]} ${m[2]!.replace(/\s+/g, ' ')}`);

/** Percent value of an SLO annotation (`99.9%`, `95% < 100ms`) for loosened/tightened. */
const percentOf = (v: string | undefined): number | undefined => {
  const m = /^([0-9.]+)%/.exec(v ?? '');
  return m ? Number(m[1]) : undefined;
};

function ruleChanges(name: string, before: K8sObject | undefined, after: K8sObject | undefined, add: (level: RiskLevel, message: string) => void): void {
  // SLO declaration (annotations of the generated SLO rule).
  const ab = before?.metadata.annotations ?? {};
  const aa = after?.metadata.annotations ?? {};
  for (const key of new Set([...Object.keys(ab), ...Object.keys(aa)])) {
    if (!SLO_ANNOTATION.test(key) || ab[key] === aa[key]) continue;
    const what = key.split('/')[1];
    if (aa[key] === undefined) add('high', `SLO ${what} removed (was ${ab[key]}): nobody is alerted when ${name} degrades`);
    else if (ab[key] === undefined) add('info', `SLO ${what} set: ${aa[key]}`);
    else {
      const pb = percentOf(ab[key]);
      const pa = percentOf(aa[key]);
      const loosened = pb !== undefined && pa !== undefined && pa < pb;
      add(loosened ? 'medium' : 'info', `SLO ${what} target ${ab[key]} → ${aa[key]}${loosened ? ' (loosened)' : ''}`);
    }
  }
  const rb = alertsOf(before);
  const ra = alertsOf(after);
  for (const [key, r] of rb) {
    const now = ra.get(key);
    if (!now) {
      add(r.labels?.severity === 'critical' ? 'high' : 'medium', `alert ${key} removed (${r.labels?.severity ?? 'no severity'}): ${r.annotations?.summary ?? ''}`.trim());
      continue;
    }
    const sb = r.labels?.severity;
    const sa = now.labels?.severity;
    if (sb !== sa) add(sb === 'critical' ? 'medium' : 'info', `alert ${key}: severity ${sb ?? '-'} → ${sa ?? '-'}${sb === 'critical' ? ' (no longer pages)' : sa === 'critical' ? ' (now pages)' : ''}`);
    if ((r.for ?? '0s') !== (now.for ?? '0s')) add('info', `alert ${key}: for ${r.for ?? '0s'} → ${now.for ?? '0s'}`);
    if (r.expr !== now.expr) {
      const tb = thresholds(r.expr ?? '');
      const ta = thresholds(now.expr ?? '');
      add('info', tb.length === ta.length && tb.join() !== ta.join() ? `alert ${key}: threshold ${tb.filter((t, i) => t !== ta[i]).join(', ')} → ${ta.filter((t, i) => t !== tb[i]).join(', ')}` : `alert ${key}: expression changed`);
    }
    if (r.annotations?.runbook_url !== now.annotations?.runbook_url) add('info', `alert ${key}: runbook ${now.annotations?.runbook_url ?? 'removed'}`);
  }
  const added = [...ra.keys()].filter((k) => !rb.has(k));
  if (added.length) add('info', `alert${added.length === 1 ? '' : 's'} added: ${added.slice(0, 8).join(', ')}${added.length > 8 ? ` (+${added.length - 8} more)` : ''}`);
}

type Route = { receiver?: string; matchers?: unknown[]; routes?: Route[] };

function routeLines(route: Route | undefined, depth = 0): string[] {
  if (!route) return [];
  const m = (route.matchers ?? []).map((x) => (typeof x === 'object' && x ? `${(x as { name: string }).name}${(x as { matchType?: string }).matchType ?? '='}${(x as { value: string }).value}` : String(x))).join(',');
  return [`${'  '.repeat(depth)}${m || '*'} → ${route.receiver ?? '(parent)'}`, ...(route.routes ?? []).flatMap((r) => routeLines(r, depth + 1))];
}

function alertmanagerChanges(before: K8sObject | undefined, after: K8sObject | undefined, add: (level: RiskLevel, message: string) => void): void {
  const spec = (o: K8sObject | undefined) => (o?.spec ?? {}) as { route?: Route; receivers?: { name: string }[]; inhibitRules?: unknown[] };
  const rb = new Set((spec(before).receivers ?? []).map((r) => r.name));
  const ra = new Set((spec(after).receivers ?? []).map((r) => r.name));
  const gone = [...rb].filter((r) => !ra.has(r));
  const fresh = [...ra].filter((r) => !rb.has(r));
  if (gone.length) add('high', `receiver${gone.length === 1 ? '' : 's'} removed: ${gone.join(', ')} (alerts routed there are no longer delivered)`);
  if (fresh.length) add('info', `receiver${fresh.length === 1 ? '' : 's'} added: ${fresh.join(', ')}`);
  const lb = routeLines(spec(before).route);
  const la = routeLines(spec(after).route);
  const removed = lb.filter((l) => !la.includes(l));
  const addedRoutes = la.filter((l) => !lb.includes(l));
  if (removed.length || addedRoutes.length) add('medium', `routing changed:${removed.map((l) => ` − ${l.trim()}`).join(';')}${addedRoutes.map((l) => ` + ${l.trim()}`).join(';')}`);
  const ib = (spec(before).inhibitRules ?? []).map((x) => JSON.stringify(x));
  const ia = (spec(after).inhibitRules ?? []).map((x) => JSON.stringify(x));
  const lostInhibit = ib.filter((x) => !ia.includes(x)).length;
  const newInhibit = ia.filter((x) => !ib.includes(x)).length;
  if (lostInhibit || newInhibit) add(newInhibit ? 'medium' : 'info', `inhibition rules: ${newInhibit} added, ${lostInhibit} removed (an added rule can silence alerts)`);
}

function dashboardsOf(o: K8sObject | undefined): Map<string, { title: string; text: string }> {
  const out = new Map<string, { title: string; text: string }>();
  for (const [key, text] of Object.entries((o?.data as Record<string, string> | undefined) ?? {})) {
    if (!key.endsWith('.json')) continue;
    try {
      const d = JSON.parse(text) as { uid?: string; title?: string };
      out.set(d.uid ?? key, { title: d.title ?? key, text });
    } catch {
      out.set(key, { title: `${key} (invalid JSON)`, text });
    }
  }
  return out;
}

function dashboardChanges(before: K8sObject | undefined, after: K8sObject | undefined, add: (level: RiskLevel, message: string) => void): void {
  const db = dashboardsOf(before);
  const da = dashboardsOf(after);
  for (const [uid, d] of da) {
    const was = db.get(uid);
    if (!was) add('info', `dashboard added: ${d.title} (uid ${uid})`);
    else if (was.text !== d.text) add('info', `dashboard changed: ${d.title}${was.title !== d.title ? ` (was ${was.title})` : ''}`);
  }
  for (const [uid, d] of db) if (!da.has(uid)) add('info', `dashboard removed: ${d.title} (uid ${uid})`);
}

const REASONS: Record<string, string> = {
  PrometheusRule: 'Alerts and SLOs decide who is woken and when: a weaker or missing rule is an outage nobody hears about.',
  AlertmanagerConfig: 'Routing decides who receives an alert: a removed receiver or route, or a new inhibition, drops alerts silently.',
  dashboards: 'Dashboards are what on-call reads first; a changed query changes what they see.',
};

/** Observability risks of a change set (PrometheusRules, AlertmanagerConfigs, dashboard ConfigMaps). */
export function observabilityRisks(resources: ResourceChange[], lookup: Lookup): Risk[] {
  const risks: Risk[] = [];
  for (const r of resources) {
    const kind = r.id.kind;
    const isDashboards = (o: K8sObject | undefined) => o?.metadata.labels?.[DASHBOARD_LABEL] !== undefined;
    if (kind !== 'PrometheusRule' && kind !== 'AlertmanagerConfig' && kind !== 'ConfigMap') continue;
    const before = r.change === 'added' ? undefined : lookup(r, 'base');
    const after = r.change === 'removed' ? undefined : lookup(r, 'head');
    if (kind === 'ConfigMap' && !isDashboards(before) && !isDashboards(after)) continue;
    const reason = REASONS[kind === 'ConfigMap' ? 'dashboards' : kind]!;
    const add = (level: RiskLevel, message: string) => risks.push({ level, category: 'observability', service: r.service, ref: r.ref, message, reason });
    if (kind === 'PrometheusRule') ruleChanges(r.id.name, before, after, add);
    else if (kind === 'AlertmanagerConfig') alertmanagerChanges(before, after, add);
    else dashboardChanges(before, after, add);
  }
  return risks;
}
