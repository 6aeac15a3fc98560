import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkService, loadClusters, type ServiceDefinition } from '@carbon/platform';
import {
  alertmanagerConfig,
  cronIntervalHours,
  dashboardsConfigMap,
  errorRatioExpr,
  leMatcher,
  platformAlertGroups,
  platformAlertRule,
  platformOverviewDashboard,
  renderService,
  sloDashboard,
  slosOf,
  slisOf,
  teamsOf,
  mixedTeamNamespaces,
  type K8sObject,
} from '../src/index.ts';

const root = join(import.meta.dirname, '../../..');
const clusters = await loadClusters(root);
const single = clusters.find((c) => c.name === 'single-node')!;
const multi = clusters.find((c) => c.name === 'multi-node')!;

const web = (slo: NonNullable<NonNullable<ServiceDefinition['public']>[number]['slo']> | undefined, extra: Partial<ServiceDefinition> = {}): ServiceDefinition => ({
  name: 'web',
  namespace: 'data-platform',
  layer: 'apps',
  description: 'test',
  workloads: [
    {
      name: 'web',
      kind: 'Deployment',
      image: { upstream: 'docker.io/library/nginx', tag: '1.27' },
      ports: [{ name: 'http', port: 8080 }],
      probes: { liveness: { tcp: 'http' }, readiness: { tcp: 'http' } },
      resources: { default: { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '100m', memory: '32Mi' } } },
      replicas: { default: 2 },
      security: { runAsUser: 1000 },
    },
  ],
  public: [{ host: 'web', workload: 'web', port: 'http', ...(slo ? { slo } : {}), catalog: { name: 'Web', category: 'Data', description: 'x', icon: 'x.svg' } }],
  monitoring: { none: 'test' },
  ...extra,
});

const render = (d: ServiceDefinition, cluster = single): K8sObject[] => renderService(d, { cluster, namespaceOf: () => 'data-platform', publicRoutes: [] });

describe('SLOs from the public endpoint', () => {
  it('`slo: {}` gives the seeds\' defaults, one PrometheusRule next to the Ingress, labelled with its host', () => {
    const out = render(web({}, { team: 'data' }));
    const rule = out.find((o) => o.kind === 'PrometheusRule')!;
    expect(rule.metadata).toMatchObject({ name: 'web-slo', namespace: 'data-platform', labels: { 'slo.254carbon.com/host': 'web.staging.254carbon.com', 'monitoring.254carbon.com/scrape': 'true' } });
    expect(rule.metadata.annotations).toEqual({ 'slo.254carbon.com/availability': '99.9%', 'slo.254carbon.com/latency': '95% < 100ms', 'slo.254carbon.com/window': '30d' });
    const groups = (rule.spec as { groups: { name: string; rules: { alert?: string; record?: string; expr: string; labels: Record<string, string> }[] }[] }).groups;
    expect(groups.map((g) => g.name)).toEqual(['slo-web-availability', 'slo-web-latency']);
    const fast = groups[0]!.rules.find((r) => r.alert === 'ErrorBudgetBurnFast')!;
    expect(fast.expr).toContain('slo:sli_error:ratio_rate1h{slo="web-availability"} > (14.4 * 0.001)');
    expect(fast.expr).toContain('slo:sli_error:ratio_rate30m{slo="web-availability"} > (6 * 0.001)');
    expect(fast.labels).toMatchObject({ severity: 'critical', team: 'data', service: 'web', namespace: 'data-platform' });
    const slow = groups[1]!.rules.find((r) => r.alert === 'ErrorBudgetBurnSlow')!;
    expect(slow.expr).toContain('slo:sli_error:ratio_rate3d{slo="web-latency"} > (1 * 0.05)');
    expect(groups[1]!.rules.find((r) => r.record === 'slo:sli_error:ratio_rate5m')!.expr).toContain('le="0.1"');
  });

  it('no `slo`, no rule (validate reports SLO001); latency none gives availability only', () => {
    expect(render(web(undefined)).some((o) => o.kind === 'PrometheusRule')).toBe(false);
    const rule = render(web({ latency: { none: 'transfers' }, reason: 'a registry' })).find((o) => o.kind === 'PrometheusRule')!;
    expect((rule.spec as { groups: unknown[] }).groups).toHaveLength(1);
  });

  it('edge and own SLIs; integral thresholds match Prometheus 2 and 3 spellings of le', () => {
    const [slo] = slosOf([web({ latency: { thresholdMs: 1000 }, reason: 'polls', own: { histogram: 'h_seconds', statusLabel: 'code', matchers: ['handler!="/ws"'] } })], multi);
    const slis = slisOf(slo!);
    expect(slis.map((s) => s.id)).toEqual(['web-availability', 'web-latency', 'web-availability-own', 'web-latency-own']);
    expect(leMatcher(1000)).toBe('le=~"1(\\\\.0)?"');
    expect(errorRatioExpr(slis[3]!, '5m')).toContain('h_seconds_bucket{namespace="data-platform",handler!="/ws",le=~"1(\\\\.0)?"}[5m]');
    expect(errorRatioExpr(slis[0]!, '1h')).toContain('nginx_ingress_controller_requests{host="web.254carbon.com",status=~"5.."}[1h]');
  });

  it('declarations are checked: thresholds on a histogram bucket, overrides with a reason, valid matchers', () => {
    const sink = checkService({ definition: web({ availability: 150, latency: { thresholdMs: 120 }, own: { histogram: 'bad-name', statusLabel: 'code', matchers: ['handler=/ws'] } }), file: 'apps/web/src/service.ts', dir: 'web' }, clusters);
    const text = sink.errors.map((e) => `${e.field}: ${e.message}`).join('\n');
    expect(text).toMatch(/public\[0\]\.slo\.availability: 150 is not a percentage/);
    expect(text).toMatch(/public\[0\]\.slo\.latency\.thresholdMs: 120 ms is not a bucket/);
    expect(text).toMatch(/public\[0\]\.slo\.reason: an SLO that departs from the defaults/);
    expect(text).toMatch(/public\[0\]\.slo\.own\.histogram/);
    expect(text).toMatch(/public\[0\]\.slo\.own\.matchers\[0\]/);
  });
});

describe('platform alerts', () => {
  it('each alert has a severity, a summary and a runbook that exists in docs/runbooks.md', () => {
    const runbooks = readFileSync(join(root, 'docs/runbooks.md'), 'utf8');
    const anchors = new Set([...runbooks.matchAll(/^#+ (.+)$/gm)].map((m) => m[1]!.trim().toLowerCase().replace(/[^a-z0-9 -]/g, '').replace(/ /g, '-')));
    for (const cluster of [single, multi]) {
      const rule = platformAlertRule({ name: 'platform-alerts', namespace: 'monitoring', service: 'prometheus' }, cluster, [{ service: 'grafana', namespace: 'monitoring', schedule: '30 2 * * *', ttl: '168h' }]);
      const alerts = (rule.spec as { groups: { rules: { alert: string; labels: Record<string, string>; annotations: Record<string, string> }[] }[] }).groups.flatMap((g) => g.rules);
      expect(alerts.length).toBeGreaterThan(20);
      for (const a of alerts) {
        expect(['critical', 'warning']).toContain(a.labels.severity);
        expect(a.annotations.summary!.length).toBeGreaterThan(10);
        const anchor = a.annotations.runbook_url!.split('#')[1]!;
        expect(a.annotations.runbook_url).toMatch(/^https:\/\/github\.com\/254carbon\/platform\/blob\/main\/docs\/runbooks\.md#/);
        expect(anchors.has(anchor), `runbook for ${a.alert}`).toBe(true);
      }
    }
    // The SLO alerts' runbooks too.
    expect(anchors.has('errorbudgetburnfast') && anchors.has('errorbudgetburnslow')).toBe(true);
  });

  it('the promotion-candidate alert exists on staging only; backup age follows the schedule', () => {
    const names = (c: typeof single) => platformAlertGroups(c, []).flatMap((g) => g.rules.map((r) => r.alert));
    expect(names(single)).toContain('FluxPromotionCandidateFailed');
    expect(names(multi)).not.toContain('FluxPromotionCandidateFailed');
    expect(cronIntervalHours('30 2 * * *')).toBe(24);
    expect(cronIntervalHours('0 */6 * * *')).toBe(6);
    expect(cronIntervalHours('0 3 * * 0')).toBe(168);
    const tooOld = platformAlertGroups(single, [{ service: 'vault', namespace: 'vault', schedule: '0 */6 * * *', ttl: '72h' }]).flatMap((g) => g.rules).filter((r) => r.labels?.schedule === 'vault');
    expect(tooOld.map((r) => `${r.alert} ${r.severity} ${r.expr}`)).toEqual([
      'VeleroBackupTooOld warning time() - max(velero_backup_last_successful_timestamp{schedule="vault"}) > 28800',
      'VeleroBackupMissing critical time() - max(velero_backup_last_successful_timestamp{schedule="vault"}) > 50400',
    ]);
  });
});

describe('Alertmanager routing from the definitions', () => {
  const defs = [web({}, { team: 'data' }), { ...web({}), name: 'other', namespace: 'monitoring' }, { ...web({}, { team: 'data' }), name: 'mixed', namespace: 'monitoring' }];

  it('a namespace belongs to the team all its services declare; mixed namespaces stay with platform', () => {
    expect(teamsOf(defs)).toEqual([
      { team: 'data', namespaces: ['data-platform'] },
      { team: 'platform', namespaces: ['monitoring'] },
    ]);
  });

  it('a mixed namespace names its majority team and the services that break it (what generate warns about)', () => {
    expect(mixedTeamNamespaces(defs)).toEqual([{ namespace: 'monitoring', owner: 'data', teams: ['data', 'platform'], outliers: [{ service: 'other', team: 'platform' }] }]);
    // Two services naming data and one naming none: the one without a team is what takes data's routing away.
    const three = [web({}, { team: 'data' }), { ...web({}, { team: 'data' }), name: 'b' }, { ...web({}), name: 'redis' }];
    expect(mixedTeamNamespaces(three)).toEqual([{ namespace: 'data-platform', owner: 'data', teams: ['data', 'platform'], outliers: [{ service: 'redis', team: 'platform' }] }]);
    expect(mixedTeamNamespaces([web({}, { team: 'data' }), { ...web({}, { team: 'data' }), name: 'b' }])).toEqual([]);
  });

  it('critical pages the team, the rest goes to chat; credentials are Secret references; node down inhibits its pods', () => {
    const cfg = alertmanagerConfig({ name: 'alertmanager', namespace: 'monitoring', service: 'prometheus' }, teamsOf(defs));
    const spec = cfg.spec as { route: { receiver: string; routes: { receiver: string; matchers: { name: string; value: string }[]; routes?: { receiver: string }[] }[] }; receivers: Record<string, unknown>[]; inhibitRules: { sourceMatch: { value: string }[]; equal: string[] }[] };
    expect(spec.route.receiver).toBe('chat-platform');
    expect(spec.route.routes.map((r) => `${r.matchers.map((m) => `${m.name}=${m.value}`).join()} → ${r.receiver}${r.routes ? ` / critical → ${r.routes[0]!.receiver}` : ''}`)).toEqual([
      'team=data → chat-data / critical → pager-data',
      'namespace=data-platform → chat-data / critical → pager-data',
      'severity=critical → pager-platform',
    ]);
    expect(JSON.stringify(spec.receivers)).not.toMatch(/https?:\/\//);
    expect(spec.receivers.find((r) => r.name === 'pager-data')).toEqual({ name: 'pager-data', pagerdutyConfigs: [{ routingKey: { name: 'alertmanager-receivers', key: 'pagerduty-data' }, sendResolved: true }] });
    expect(spec.inhibitRules[0]).toMatchObject({ sourceMatch: [{ value: 'NodeNotReady' }], equal: ['node'] });
  });
});

describe('dashboards', () => {
  it('one SLO dashboard per endpoint and the overview, unique UIDs, valid JSON in the ConfigMap', () => {
    const slos = slosOf([web({}), { ...web({ availability: 99.5, reason: 'x' }), name: 'api' }], single);
    const cm = dashboardsConfigMap({ name: 'grafana-dashboards', namespace: 'monitoring', service: 'grafana' }, [...slos.map(sloDashboard), platformOverviewDashboard('single-node')]);
    const data = cm.data as Record<string, string>;
    expect(Object.keys(data)).toEqual(['platform-overview.json', 'slo-api.json', 'slo-web.json']);
    const parsed = Object.values(data).map((t) => JSON.parse(t) as { uid: string; title: string });
    expect(new Set(parsed.map((d) => d.uid)).size).toBe(3);
    expect(parsed.find((d) => d.uid === 'slo-api')!.title).toBe('SLO: web.staging.254carbon.com (99.5 % available, 95 % under 100 ms)');
    expect(cm.metadata.labels).toMatchObject({ grafana_dashboard: '1' });
  });
});
