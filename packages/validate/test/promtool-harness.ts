/**
 * Runs `promtool test rules` (the pinned promtool) on rule groups with synthetic series: each case
 * says which alert must fire with which labels at an evaluation time, or that it must stay quiet.
 * Expected annotations are the rule's own, with `{{ $labels.x }}` filled from the expected labels
 * (promtool compares annotations too).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { exec } from '@carbon/toolchain';

export type Rule = { alert?: string; record?: string; expr: string; labels?: Record<string, string>; annotations?: Record<string, string> };
export type Group = { name: string; rules: Rule[] };
export type Series = { series: string; values: string };
export type AlertCase = {
  name: string;
  interval?: string;
  series: Series[];
  evalTime: string;
  alertname: string;
  /** Labels of each alert expected to fire (alertname excluded); empty: must stay quiet. */
  fires: Record<string, string>[];
};

/** PrometheusRule objects in a folder's generated files (`prometheusrule-*.yaml`), recursively. */
export function readRuleObjects(dir: string): { file: string; object: { metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> }; spec: { groups: Group[] } } }[] {
  const out: ReturnType<typeof readRuleObjects> = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/^prometheusrule-.*\.yaml$/.test(e.name)) {
        for (const doc of parseAllDocuments(readFileSync(p, 'utf8'))) {
          const o = doc.toJS() as (typeof out)[number]['object'] & { kind?: string };
          if (o?.kind === 'PrometheusRule') out.push({ file: p, object: o });
        }
      }
    }
  };
  walk(dir);
  return out;
}

const expand = (text: string, labels: Record<string, string>): string => text.replace(/\{\{\s*\$labels\.([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}/g, (_m, k: string) => labels[k] ?? '');

function expectedAlert(groups: Group[], alertname: string, labels: Record<string, string>): { exp_labels: Record<string, string>; exp_annotations: Record<string, string> } {
  const rule = groups.flatMap((g) => g.rules).find((r) => r.alert === alertname && Object.entries(r.labels ?? {}).every(([k, v]) => labels[k] === v));
  if (!rule) throw new Error(`no rule ${alertname} with labels ${JSON.stringify(labels)}`);
  const exp_labels = { ...labels };
  return { exp_labels, exp_annotations: Object.fromEntries(Object.entries(rule.annotations ?? {}).map(([k, v]) => [k, expand(v, exp_labels)])) };
}

/** Writes the rule file and the test file and runs promtool; resolves to its exit code and output. */
export async function promtoolTest(promtool: string, groups: Group[], cases: AlertCase[]): Promise<{ exitCode: number; output: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'carbon-promtool-test-'));
  try {
    writeFileSync(join(dir, 'rules.yaml'), stringify({ groups }));
    const tests = cases.map((c) => ({
      name: c.name,
      interval: c.interval ?? '1m',
      input_series: c.series,
      alert_rule_test: [{ eval_time: c.evalTime, alertname: c.alertname, exp_alerts: c.fires.map((l) => expectedAlert(groups, c.alertname, l)) }],
    }));
    writeFileSync(join(dir, 'tests.yaml'), stringify({ rule_files: ['rules.yaml'], evaluation_interval: '1m', tests }));
    const res = await exec(promtool, ['test', 'rules', join(dir, 'tests.yaml')], { timeoutMs: 300_000 });
    return { exitCode: res.exitCode, output: `${res.stdout}\n${res.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
