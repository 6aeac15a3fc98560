import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { contextFromEnv, type GitHubContext } from '@carbon/github';
import { createMasker, diffSection, totalsOf, type DiffReport, type DiffRevisionsOptions, type K8sObject } from '@carbon/diff';
import { run } from '../src/run.ts';

const dir = mkdtempSync(join(tmpdir(), 'carbon-diff-action-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CANARY = 'action-canary-7Yq2';

function context(eventName: string, event: unknown): GitHubContext {
  const path = join(dir, `${eventName}.json`);
  writeFileSync(path, JSON.stringify(event));
  return contextFromEnv({ env: { GITHUB_EVENT_NAME: eventName, GITHUB_EVENT_PATH: path, GITHUB_REPOSITORY: 'acme/platform', GITHUB_SHA: 'c'.repeat(40), GITHUB_REF: 'refs/heads/main', GITHUB_WORKSPACE: dir } });
}

const prEvent = {
  action: 'synchronize',
  pull_request: { number: 7, title: 't', draft: false, base: { sha: 'a'.repeat(40), ref: 'main', repo: { full_name: 'acme/platform' } }, head: { sha: 'b'.repeat(40), ref: 'x', repo: { full_name: 'fork/platform' } } },
};

const secret = (v: string): K8sObject => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'n' }, stringData: { password: v } });

function fakeDiff(calls: DiffRevisionsOptions[], resources = 1): (o: DiffRevisionsOptions) => Promise<DiffReport> {
  return async (o) => {
    calls.push(o);
    const many = (v: string) => Array.from({ length: resources }, (_, i) => ({ ...secret(v), metadata: { name: `s${i}`, namespace: 'n' }, data: { blob: Buffer.from(`${v}-${i}`.repeat(20)).toString('base64') } }));
    const s = diffSection({ cluster: 'single-node', kind: 'on-merge', title: 't', base: new Map([['app', many('old')]]), head: new Map([['app', many(CANARY)]]) }, { masker: createMasker() });
    return { schemaVersion: 1, base: { ref: o.base, commit: o.base }, head: { ref: o.head, commit: o.head }, sections: [s], totals: totalsOf([s]), warnings: [] };
  };
}

describe('diff action run()', () => {
  it('diffs the PR base and head in the workspace and writes comment, full report, JSON and the PR number', async () => {
    const calls: DiffRevisionsOptions[] = [];
    const files = new Map<string, string>();
    const { outputs, summary } = await run({ base: '', head: '', outputDir: 'platform-diff' }, context('pull_request', prEvent), { diff: fakeDiff(calls), writeFile: async (p, t) => void files.set(p, t) });
    expect(calls).toEqual([{ repo: dir, base: 'a'.repeat(40), head: 'b'.repeat(40), toolsRoot: dir }]);
    expect([...files.keys()].map((p) => p.slice(dir.length + 1)).sort()).toEqual(['platform-diff/diff-full.md', 'platform-diff/diff.json', 'platform-diff/diff.md', 'platform-diff/head-sha', 'platform-diff/pr-number']);
    expect(files.get(join(dir, 'platform-diff/pr-number'))).toBe('7\n');
    expect(outputs).toMatchObject({ level: 'full', changed: '1', 'high-risks': '0', 'output-dir': join(dir, 'platform-diff') });
    for (const text of [...files.values(), summary]) expect(text).not.toContain(CANARY);
  });

  it('puts the full report in the job summary while the comment body shrinks', async () => {
    const files = new Map<string, string>();
    const { outputs, summary } = await run({ base: 'main', head: 'HEAD', outputDir: 'out' }, context('workflow_dispatch', { ref: 'refs/heads/main', inputs: {} }), { diff: fakeDiff([], 600), writeFile: async (p, t) => void files.set(p, t) });
    expect(outputs.level).not.toBe('full');
    expect(files.get(join(dir, 'out/diff.md'))!.length).toBeLessThanOrEqual(65_536);
    expect(summary).toBe(files.get(join(dir, 'out/diff-full.md')));
    expect(summary.length).toBeGreaterThan(65_536);
    expect(files.has(join(dir, 'out/pr-number'))).toBe(false);
  });

  it('rejects a missing base outside pull_request and an output folder outside the workspace', async () => {
    const deps = { diff: fakeDiff([]), writeFile: async () => undefined };
    await expect(run({ base: '', head: '', outputDir: 'x' }, context('workflow_dispatch', { ref: 'refs/heads/main', inputs: {} }), deps)).rejects.toThrow(/base/);
    await expect(run({ base: 'main', head: '', outputDir: '../escape' }, context('workflow_dispatch', { ref: 'refs/heads/main', inputs: {} }), deps)).rejects.toThrow(/output-dir/);
  });
});
