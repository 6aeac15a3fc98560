import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { findRepoRoot } from '@carbon/toolchain';
import { ks, writeRepo } from '../../render/test/fixture.ts';
import { exitCodeOf, metricNamesOf, parsePromtoolCheck, validate } from '../src/index.ts';
import { goodSet } from './helpers.ts';

const root = findRepoRoot(process.cwd());

const rule = (name: string, rules: Record<string, unknown>[], labels: Record<string, string> = {}) => ({
  apiVersion: 'monitoring.coreos.com/v1',
  kind: 'PrometheusRule',
  metadata: { name, namespace: 'web', labels },
  spec: { groups: [{ name: 'g', rules }] },
});
const dashboards = (data: Record<string, string>) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'dash', namespace: 'web', labels: { grafana_dashboard: '1' } }, data });
function repo(objects: Record<string, unknown>[]): string {
  return writeRepo({
    'clusters/test/web.yaml': ks('web', './apps/web'),
    'apps/web/objects.yaml': [...goodSet(), ...objects].map((o) => stringify(o)).join('---\n'),
    'platform/metrics.yaml': 'exporters:\n  app:\n    - http_requests_total\n    - up\n',
  });
}

describe('rules and dashboards in validate (real promtool)', () => {
  it('a hand-written rule that does not parse is PRM001 at its expr line; unknown metrics are PRM002; a rule that only reads recorded names is fine', async () => {
    const dir = repo([
      rule('broken', [{ alert: 'Broken', expr: 'sum(rate(http_requests_total[5m]) by', labels: { severity: 'warning' } }]),
      rule('typo', [
        { record: 'job:http_requests:rate5m', expr: 'sum(rate(http_requests_total[5m]))' },
        { alert: 'Typo', expr: 'http_request_total > 0' },
        { alert: 'Recorded', expr: 'job:http_requests:rate5m > 1' },
      ]),
    ]);
    const r = await validate({ root, path: dir });
    const prm1 = r.findings.filter((f) => f.id === 'PRM001');
    expect(prm1).toHaveLength(1);
    expect(prm1[0]).toMatchObject({ file: 'apps/web/objects.yaml', object: 'PrometheusRule web/broken' });
    expect(prm1[0]!.message).toMatch(/group "g", rule 1, "Broken": could not parse expression/);
    const text = (await import('node:fs')).readFileSync(`${dir}/apps/web/objects.yaml`, 'utf8').split('\n');
    expect(text[prm1[0]!.line! - 1]).toMatch(/expr: sum\(rate\(http_requests_total\[5m\]\) by/);
    expect(r.findings.filter((f) => f.id === 'PRM002').map((f) => f.message)).toEqual([expect.stringContaining('Typo (group g) reads http_request_total')]);
    expect(exitCodeOf(r)).toBe(1);
  });

  it('dashboards: invalid JSON, duplicate and missing UIDs, unknown metrics and unparsable queries; public hosts without an SLO', async () => {
    const ok = { uid: 'a', title: 'A', panels: [{ title: 'p', targets: [{ expr: 'sum(rate(http_requests_total[$__rate_interval]))' }] }] };
    const dir = repo([
      dashboards({
        'a.json': JSON.stringify(ok),
        'dup.json': JSON.stringify({ ...ok, title: 'Dup' }),
        'nouid.json': JSON.stringify({ title: 'No uid', panels: [] }),
        'bad.json': '{ not json',
        'unknown.json': JSON.stringify({ uid: 'u', title: 'U', panels: [{ title: 'q', targets: [{ expr: 'rate(nope_total[5m])' }, { expr: 'sum(' }] }] }),
      }),
    ]);
    const r = await validate({ root, path: dir });
    const msgs = (id: string) => r.findings.filter((f) => f.id === id).map((f) => f.message);
    expect(msgs('DSH001')).toEqual([expect.stringMatching(/^bad\.json: not valid JSON/)]);
    expect(msgs('DSH002').sort()).toEqual([expect.stringContaining('dup.json (Dup): uid "a" is also used by web/dash a.json'), expect.stringContaining('nouid.json (No uid) has no uid')].sort());
    expect(msgs('DSH003')).toEqual([expect.stringContaining('reads nope_total'), expect.stringContaining('does not parse')]);
    expect(msgs('SLO001')).toEqual([expect.stringContaining('public host web.example.com has no SLO')]);
    // goodSet's Ingress serves web.example.com; an SLO rule for the host clears SLO001.
    const covered = await validate({ root, path: repo([rule('web-slo', [{ alert: 'X', expr: 'up == 0' }], { 'slo.254carbon.com/host': 'web.example.com' })]) });
    expect(covered.findings.filter((f) => f.id === 'SLO001')).toEqual([]);
  });

  it('metric names come from the PromQL parse tree, not from label names or functions', () => {
    expect(metricNamesOf('sum by (le) (rate(a_bucket{job="x"}[5m])) / on (job) group_left b unless c offset 5m').names).toEqual(['a_bucket', 'b', 'c']);
    expect(metricNamesOf('histogram_quantile(0.9, x)').error).toBeUndefined();
    expect(metricNamesOf('sum(').error).toBeDefined();
  });

  it('promtool errors are attributed to the file they name', () => {
    expect(parsePromtoolCheck('  FAILED:\n/0.yaml: 5:11: group "a", rule 1, "X": bad\n  FAILED:\n/2.yaml: yaml: unmarshal errors:\n  line 5: field exprx not found\n')).toEqual([
      { index: 0, errors: ['5:11: group "a", rule 1, "X": bad'] },
      { index: 2, errors: ['yaml: unmarshal errors: line 5: field exprx not found'] },
    ]);
  });
});
