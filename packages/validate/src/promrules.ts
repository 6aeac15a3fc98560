import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { RenderedObject } from '@carbon/render';
import { exec, ExecError, type Runner } from '@carbon/toolchain';
import type { Emit } from './types.ts';

/** PrometheusRule objects (prometheus-operator), generated or hand-written: their spec is a Prometheus rule file. */
export const isPrometheusRule = (ro: RenderedObject): boolean =>
  ro.object.kind === 'PrometheusRule' && typeof ro.object.apiVersion === 'string' && ro.object.apiVersion.startsWith('monitoring.coreos.com/');

/** Errors promtool reported for one checked file (files are named `<index>.yaml`). */
export type PromtoolResult = { index: number; errors: string[] };

/**
 * Parses `promtool check rules` stderr: each error starts with `<file>: ` (continuation lines are
 * indented), `FAILED:` lines separate files. Returns the errors per file index.
 */
export function parsePromtoolCheck(stderr: string): PromtoolResult[] {
  const byIndex = new Map<number, string[]>();
  let current: string[] | undefined;
  for (const line of stderr.split('\n')) {
    if (!line.trim() || /^\s*FAILED:\s*$/.test(line)) continue;
    const m = /^(\S*?(\d+)\.yaml):\s*(.*)$/.exec(line);
    if (m) {
      const index = Number(m[2]);
      current = byIndex.get(index) ?? [];
      byIndex.set(index, current);
      current.push(m[3]!);
    } else if (current && current.length) {
      current[current.length - 1] += ` ${line.trim()}`;
    }
  }
  return [...byIndex].map(([index, errors]) => ({ index, errors }));
}

/** The field a promtool error names (`group "g", rule 3, ...` is the third rule of group g), for a located finding. */
export function errorPath(spec: { groups?: { name?: string; rules?: unknown[] }[] }, message: string): (string | number)[] {
  const m = /group "([^"]*)", rule (\d+)/.exec(message);
  if (!m) return ['spec', 'groups'];
  const gi = (spec.groups ?? []).findIndex((g) => g.name === m[1]);
  if (gi < 0) return ['spec', 'groups'];
  const field = /could not parse expression|expr/i.test(message) ? ['expr'] : [];
  return ['spec', 'groups', gi, 'rules', Number(m[2]) - 1, ...field];
}

/**
 * `promtool check rules` over the spec of every PrometheusRule: each spec is written to its own
 * file (so an error names its object) and one promtool process checks them all. Errors become
 * PRM001 findings at the rule (and its `expr`) that promtool names.
 */
export async function promRulesCheck(promtool: string, objects: RenderedObject[], emit: Emit, runner: Runner = exec): Promise<number> {
  const rules = objects.filter(isPrometheusRule);
  if (!rules.length) return 0;
  const dir = mkdtempSync(join(tmpdir(), 'carbon-promtool-'));
  try {
    const files = rules.map((ro, i) => {
      const file = join(dir, `${i}.yaml`);
      const spec = (ro.object as { spec?: { groups?: unknown } }).spec ?? {};
      writeFileSync(file, stringify({ groups: spec.groups ?? [] }), { mode: 0o600 });
      return file;
    });
    const args = ['check', 'rules', '--lint=none', ...files];
    const res = await runner(promtool, args, { timeoutMs: 300_000 });
    const results = parsePromtoolCheck(res.stderr.split(dir).join(''));
    if (res.exitCode !== 0 && !results.length) throw new ExecError(promtool, args, res);
    for (const r of results) {
      const ro = rules[r.index];
      if (!ro) continue;
      const spec = (ro.object as { spec?: { groups?: { name?: string; rules?: unknown[] }[] } }).spec ?? {};
      for (const message of r.errors) {
        emit('PRM001', ro, `promtool check rules: ${message}`.slice(0, 400), errorPath(spec, message));
      }
    }
    return rules.length;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
