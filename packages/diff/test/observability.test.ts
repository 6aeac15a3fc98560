import { describe, expect, it } from 'vitest';
import type { K8sObject } from '../src/index.ts';
import { section } from './fixtures.ts';

const rule = (alerts: { alert: string; expr: string; severity: string; for?: string; slo?: string }[], annotations: Record<string, string> = {}): K8sObject => ({
  apiVersion: 'monitoring.coreos.com/v1',
  kind: 'PrometheusRule',
  metadata: { name: 'trino-slo', namespace: 'data', annotations },
  spec: {
    groups: [
      {
        name: 'g',
        rules: alerts.map((a) => ({ alert: a.alert, expr: a.expr, ...(a.for ? { for: a.for } : {}), labels: { severity: a.severity, ...(a.slo ? { slo: a.slo } : {}) }, annotations: { summary: `${a.alert} summary` } })),
      },
    ],
  },
});

const am = (receivers: string[], routes: { receiver: string; team: string }[]): K8sObject => ({
  apiVersion: 'monitoring.coreos.com/v1alpha1',
  kind: 'AlertmanagerConfig',
  metadata: { name: 'alertmanager', namespace: 'monitoring' },
  spec: {
    route: { receiver: receivers[0], routes: routes.map((r) => ({ receiver: r.receiver, matchers: [{ name: 'team', value: r.team, matchType: '=' }] })) },
    receivers: receivers.map((name) => ({ name })),
  },
});

const dashboards = (ds: { uid: string; title: string; v?: number }[]): K8sObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'grafana-dashboards', namespace: 'monitoring', labels: { grafana_dashboard: '1' } },
  data: Object.fromEntries(ds.map((d) => [`${d.uid}.json`, JSON.stringify({ uid: d.uid, title: d.title, version: d.v ?? 1 })])),
});

const messages = (s: ReturnType<typeof section>) => s.risks.filter((r) => r.category === 'observability').map((r) => `${r.level}: ${r.message}`);

describe('observability changes in their own terms', () => {
  it('an SLO target loosened, a threshold and a for changed, a page downgraded, an alert removed', () => {
    const before = rule(
      [
        { alert: 'ErrorBudgetBurnFast', expr: 'x > (14.4 * 0.001)', severity: 'critical', slo: 'trino-availability' },
        { alert: 'QuotaNear', expr: 'a / b > 0.9', severity: 'warning', for: '15m' },
        { alert: 'Gone', expr: 'up == 0', severity: 'critical' },
      ],
      { 'slo.254carbon.com/availability': '99.9%' },
    );
    const after = rule(
      [
        { alert: 'ErrorBudgetBurnFast', expr: 'x > (14.4 * 0.005)', severity: 'warning', slo: 'trino-availability' },
        { alert: 'QuotaNear', expr: 'a / b > 0.8', severity: 'warning', for: '5m' },
        { alert: 'New', expr: 'up == 0', severity: 'warning' },
      ],
      { 'slo.254carbon.com/availability': '99.5%' },
    );
    const got = messages(section({ trino: [before] }, { trino: [after] }));
    expect(got).toEqual(
      expect.arrayContaining([
        'medium: SLO availability target 99.9% → 99.5% (loosened)',
        'medium: alert ErrorBudgetBurnFast{slo=trino-availability}: severity critical → warning (no longer pages)',
        'info: alert ErrorBudgetBurnFast{slo=trino-availability}: threshold > 14.4 * 0.001 → > 14.4 * 0.005',
        'info: alert QuotaNear: for 15m → 5m',
        'info: alert QuotaNear: threshold > 0.9 → > 0.8',
        'high: alert Gone removed (critical): Gone summary',
        'info: alert added: New',
      ]),
    );
  });

  it('a removed SLO rule is high: nobody is alerted any more', () => {
    const got = messages(section({ trino: [rule([{ alert: 'ErrorBudgetBurnFast', expr: 'x > 1', severity: 'critical' }], { 'slo.254carbon.com/availability': '99.9%' })] }, { trino: [] }));
    expect(got).toEqual(expect.arrayContaining(['high: SLO availability removed (was 99.9%): nobody is alerted when trino-slo degrades', 'high: alert ErrorBudgetBurnFast removed (critical): ErrorBudgetBurnFast summary']));
  });

  it('receivers and routes, and dashboards by title', () => {
    const got = messages(
      section(
        { prometheus: [am(['chat-platform', 'pager-data'], [{ receiver: 'pager-data', team: 'data' }])], grafana: [dashboards([{ uid: 'a', title: 'SLO: a' }, { uid: 'b', title: 'SLO: b' }])] },
        { prometheus: [am(['chat-platform'], [])], grafana: [dashboards([{ uid: 'a', title: 'SLO: a', v: 2 }, { uid: 'c', title: 'Overview' }])] },
      ),
    );
    expect(got).toEqual(
      expect.arrayContaining([
        'high: receiver removed: pager-data (alerts routed there are no longer delivered)',
        expect.stringMatching(/^medium: routing changed: − team=data → pager-data/),
        'info: dashboard changed: SLO: a',
        'info: dashboard added: Overview (uid c)',
        'info: dashboard removed: SLO: b (uid b)',
      ]),
    );
  });

  it('ordinary ConfigMaps are not dashboards', () => {
    const cm = (v: string): K8sObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'x' }, data: { 'a.json': v } });
    expect(messages(section({ a: [cm('{}')] }, { a: [cm('{"x":1}')] }))).toEqual([]);
  });
});
