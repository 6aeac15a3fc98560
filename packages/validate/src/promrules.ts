import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { sha256, type RenderCache, type RenderedObject } from '@carbon/render';
import { exec, ExecError, type Runner } from '@carbon/toolchain';
import type { Emit } from './types.ts';

/** PrometheusRule objects (prometheus-operator), generated or hand-written: their spec is a Prometheus rule file. */
export const isPrometheusRule = (ro: RenderedObject): boolean =>
  ro.object.kind === 'PrometheusRule' && typeof ro.object.apiVersion === 'string' && ro.object.apiVersion.startsWith('monitoring.coreos.com/');

/** Raised when what a cached promtool verdict holds, or how its key is made, changes. */
const PROMTOOL_CACHE_VERSION = 'promtool-verdict/1';

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
export async function promRulesCheck(promtool: string, objects: RenderedObject[], emit: Emit, runner: Runner = exec, cache?: RenderCache): Promise<number> {
  const rules = objects.filter(isPrometheusRule);
  if (!rules.length) return 0;
  const dir = mkdtempSync(join(tmpdir(), 'carbon-promtool-'));
  try {
    const groups = rules.map((ro) => ((ro.object as { spec?: { groups?: unknown } }).spec ?? {}).groups ?? []);
    // Verdicts kept by content (the rule file's text and promtool's binary), like kubeconform's: a
    // warm run starts no promtool when no rule changed.
    const keys = cache ? groups.map((g) => sha256(`${PROMTOOL_CACHE_VERSION}\n${cache.toolId(promtool)}\n${JSON.stringify(g)}`)) : [];
    const errors: (string[] | undefined)[] = keys.map((k) => {
      const v = cache?.getResult(k);
      try {
        return v === undefined ? undefined : (JSON.parse(v) as string[]);
      } catch {
        return undefined;
      }
    });
    const todo = rules.map((_, i) => i).filter((i) => !errors[i]);
    if (todo.length) {
      const files = todo.map((i) => {
        const file = join(dir, `${i}.yaml`);
        writeFileSync(file, stringify({ groups: groups[i] }), { mode: 0o600 });
        return file;
      });
      const args = ['check', 'rules', '--lint=none', ...files];
      const res = await runner(promtool, args, { timeoutMs: 300_000 });
      const results = parsePromtoolCheck(res.stderr.split(dir).join(''));
      if (res.exitCode !== 0 && !results.length) throw new ExecError(promtool, args, res);
      for (const i of todo) errors[i] = [];
      for (const r of results) if (errors[r.index]) errors[r.index] = r.errors;
      // Messages are stripped of the temporary folder above, so they hold nothing of this run. A clean
      // verdict is kept only from a run that passed as a whole (a failing run vouches for what it named).
      if (cache) for (const i of todo) if (res.exitCode === 0 || errors[i]!.length) cache.putResult(keys[i]!, JSON.stringify(errors[i]));
    }
    rules.forEach((ro, i) => {
      const spec = (ro.object as { spec?: { groups?: { name?: string; rules?: unknown[] }[] } }).spec ?? {};
      for (const message of errors[i] ?? []) {
        emit('PRM001', ro, `promtool check rules: ${message}`.slice(0, 400), errorPath(spec, message));
      }
    });
    return rules.length;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
