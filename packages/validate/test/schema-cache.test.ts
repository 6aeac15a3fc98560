import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RenderCache } from '@carbon/render';
import { checkTool, exec, findRepoRoot, type Runner } from '@carbon/toolchain';
import { emitter, promRulesCheck, schemaCheck, type Finding } from '../src/index.ts';
import { ro } from './helpers.ts';

const root = findRepoRoot(process.cwd());

const objects = [
  { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ok', namespace: 'a' }, data: { k: 'v' } },
  { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'bad', namespace: 'a' }, spec: { replicas: 'two', selector: {}, template: {} } },
  { apiVersion: 'example.com/v1', kind: 'Unknown', metadata: { name: 'x' } },
].map((o, i) => ro(o, i));

/** Runs `fn` with a runner that counts the processes it starts; returns the findings it emitted. */
async function counted(fn: (runner: Runner, findings: Finding[]) => Promise<unknown>): Promise<{ findings: Finding[]; runs: number }> {
  let runs = 0;
  const runner: Runner = (cmd, args, o) => {
    runs++;
    return exec(cmd, args, o);
  };
  const findings: Finding[] = [];
  await fn(runner, findings);
  return { findings, runs };
}

async function run(cache: RenderCache | undefined, list = objects): Promise<{ findings: Finding[]; runs: number }> {
  const kubeconform = await checkTool(root, 'kubeconform');
  return counted((runner, findings) => schemaCheck(kubeconform, root, list, emitter('test', findings), runner, cache ? { cache } : {}));
}

describe('schemaCheck with a cache', () => {
  it('sends only objects whose verdict is unknown, and reports cached verdicts exactly as fresh ones', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kcf-cache-'));
    const fresh = await run(undefined);
    expect(fresh.findings.map((f) => f.id).sort()).toEqual(['KCF001', 'KCF002']);
    const first = await run(new RenderCache(dir));
    expect(first.runs).toBe(1);
    expect(first.findings).toEqual(fresh.findings);
    const warm = await run(new RenderCache(dir)); // a new process: from the folder
    expect(warm.runs).toBe(0);
    expect(warm.findings).toEqual(fresh.findings);
    // one new object: one process, for it alone
    const more = [...objects, ro({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'new', namespace: 'a' }, data: { n: 1 } }, 3)];
    const next = await run(new RenderCache(dir), more);
    expect(next.runs).toBe(1);
    expect(next.findings.filter((f) => f.object?.includes('new'))).toHaveLength(1); // data values must be strings
    // a corrupted verdict is detected and asked again
    const files = readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile() && e.name.endsWith('.json'));
    for (const f of files) writeFileSync(join(f.parentPath, f.name), '{"status":"statusValid"}');
    const healed = await run(new RenderCache(dir));
    expect(healed.runs).toBe(1);
    expect(healed.findings).toEqual(fresh.findings);
  });
});

describe('promRulesCheck with a cache', () => {
  const rule = (name: string, expr: string) => ro({ apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule', metadata: { name, namespace: 'a' }, spec: { groups: [{ name: 'g', rules: [{ alert: 'A', expr }] }] } }, 0);
  const rules = [rule('good', 'up == 0'), rule('broken', 'sum(')];
  async function prom(cache: RenderCache | undefined, list = rules): Promise<{ findings: Finding[]; runs: number }> {
    const promtool = await checkTool(root, 'promtool');
    return counted((runner, findings) => promRulesCheck(promtool, list, emitter('test', findings), runner, cache));
  }

  it('starts no promtool when every verdict is known, with the same PRM001 findings; a passing rule is vouched for only by a passing run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'prom-cache-'));
    const fresh = await prom(undefined);
    expect(fresh.findings.map((f) => [f.id, f.object])).toEqual([['PRM001', 'PrometheusRule a/broken']]);
    const first = await prom(new RenderCache(dir));
    expect(first.runs).toBe(1);
    expect(first.findings).toEqual(fresh.findings);
    // The failing run kept the broken rule's errors, not the good rule's clean verdict: promtool runs for it alone.
    const second = await prom(new RenderCache(dir));
    expect(second.runs).toBe(1);
    expect(second.findings).toEqual(fresh.findings);
    const warm = await prom(new RenderCache(dir));
    expect(warm.runs).toBe(0);
    expect(warm.findings).toEqual(fresh.findings);
    // A changed rule is a new key: checked again.
    const changed = await prom(new RenderCache(dir), [rule('good', 'up == 1'), rules[1]!]);
    expect(changed.runs).toBe(1);
  });
});

describe('schemaCheck with the repository\'s own CRDs and a cache', () => {
  const crd = (name: string, schema: Record<string, unknown>) =>
    ro({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: `${name}s.example.com` }, spec: { group: 'example.com', names: { kind: name[0]!.toUpperCase() + name.slice(1), plural: `${name}s` }, scope: 'Namespaced', versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: schema } }] } });
  const widget = crd('widget', { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } } });
  const broken = crd('gadget', { type: 'object', properties: { spec: { $ref: '#/nowhere' } } });
  const list = [widget, broken, ro({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'a' }, spec: { size: 'big' } }, 3)];

  it('checks custom resources against them, converting nothing and starting no kubeconform when warm; a conversion error is reported warm too', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kcf-crd-cache-'));
    const fresh = await run(undefined, list);
    expect(fresh.findings.some((f) => f.id === 'KCF001' && f.object?.includes('Widget'))).toBe(true);
    expect(fresh.findings.filter((f) => f.message.startsWith('CRD schema cannot be used')).map((f) => f.object)).toEqual(['CustomResourceDefinition gadgets.example.com']);
    const cold = await run(new RenderCache(dir), list);
    expect(cold.runs).toBe(1);
    expect(cold.findings).toEqual(fresh.findings);
    const warm = await run(new RenderCache(dir), list);
    expect(warm.runs).toBe(0);
    expect(warm.findings).toEqual(fresh.findings);
    // A changed CRD changes every verdict's key: checked again.
    const changed = [crd('widget', { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'string' } } } } }), broken, list[2]!];
    const again = await run(new RenderCache(dir), changed);
    expect(again.runs).toBe(1);
    expect(again.findings.some((f) => f.id === 'KCF001' && f.object?.includes('Widget'))).toBe(false);
  });
});
