import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RenderCache } from '@carbon/render';
import { inScope, validate, type Finding } from '../src/index.ts';

/**
 * `--changed-since` on this repository, for several kinds of change, in a detached worktree of
 * HEAD (the user's checkout is not touched). Each change is validated in full and changed-only
 * with one render cache warmed at HEAD: the changed-only findings are exactly the full run's
 * findings in the change's scope, and changed-only builds only what the change can affect.
 */
const ROOT = resolve(import.meta.dirname, '../../..');
let tree = '';
let head = '';
const cache = new RenderCache();
const git = (...a: string[]) => execFileSync('git', ['-C', ROOT, ...a], { encoding: 'utf8' }).trim();

const key = (f: Finding) => JSON.stringify([f.cluster, f.id, f.file, f.line, f.object, f.message, f.suppressed]);

beforeAll(async () => {
  head = git('rev-parse', 'HEAD');
  tree = join(mkdtempSync(join(tmpdir(), 'changed-real-')), 'tree');
  git('-c', 'core.hooksPath=/dev/null', 'worktree', 'add', '--quiet', '--detach', tree, head);
  await validate({ root: ROOT, path: tree, cache }); // warms the cache at HEAD, like a CI cache from main
}, 600_000);

afterAll(() => {
  if (tree) {
    git('worktree', 'remove', '--force', tree);
    rmSync(resolve(tree, '..'), { recursive: true, force: true });
  }
});

function edit(file: string, change: (text: string) => string): void {
  const p = join(tree, file);
  const before = readFileSync(p, 'utf8');
  const after = change(before);
  expect(after, `${file} changed`).not.toBe(before);
  writeFileSync(p, after);
}

async function compare(maxBuilds: number): Promise<{ changedOnly: Finding[]; builds: number }> {
  const full = await validate({ root: ROOT, path: tree, cache });
  const changed = await validate({ root: ROOT, path: tree, cache, changedSince: 'HEAD' });
  const expected = full.findings.filter((f) => inScope(changed.scope!, f.cluster, f)).map(key).sort();
  expect(changed.findings.map(key).sort()).toEqual(expected);
  // The full run of the same tree built what changed; the changed-only run reused all of it.
  expect(changed.stats.kustomizeRuns).toBe(0);
  expect(full.stats.kustomizeRuns).toBeGreaterThan(0);
  expect(full.stats.kustomizeRuns).toBeLessThanOrEqual(maxBuilds);
  return { changedOnly: changed.findings, builds: full.stats.kustomizeRuns };
}

describe('validate --changed-since on this repository', () => {
  afterEach(() => {
    execFileSync('git', ['-C', tree, 'checkout', '--quiet', '--', '.']);
  });

  it('one service (a generated overlay file): only its single-node build runs again', async () => {
    edit('apps/portal/deploy/overlays/single-node/deployment-portal.yaml', (t) => t.replace(/replicas: \d+/, 'replicas: 3'));
    const r = await compare(1);
    // In scope beyond single-node: cluster-wide findings and the changed service's own findings on the other cluster.
    const outside = r.changedOnly.filter((f) => !(f.cluster === 'single-node' || f.file?.endsWith('cluster.yaml') || !f.file || f.file.startsWith('apps/portal/')));
    expect(outside.map((f) => [f.cluster, f.id, f.file, f.message].join(' '))).toEqual([]);
  }, 600_000);

  it('a shared base (both clusters read it; multi-node from its pin, so only single-node rebuilds)', async () => {
    // an annotation on the Service: a real change to the base
    edit('apps/portal/deploy/base/service-portal.yaml', (t) => t.replace(/metadata:\n/, 'metadata:\n  annotations:\n    example.com/changed: "yes"\n'));
    await compare(1);
  }, 600_000);

  it('cluster.yaml (cluster-wide: capacity and placement findings of every service stay complete)', async () => {
    edit('clusters/single-node/cluster.yaml', (t) => t.replace(/cpu: "?16"?/, 'cpu: "4"'));
    const r = await compare(2);
    expect(r.changedOnly.some((f) => f.id.startsWith('CAP') || f.id.startsWith('PLC'))).toBe(true);
  }, 600_000);

  it('pins.yaml and the pinned GitRepository (a promotion): the service renders from the new commit', async () => {
    edit('clusters/multi-node/pins.yaml', (t) => t.replace(/( {2}portal:\n {4}commit: )[0-9a-f]{40}/, `$1${head}`));
    edit('clusters/multi-node/apps/portal.yaml', (t) => t.replaceAll(/[0-9a-f]{40}/g, head));
    await compare(3);
  }, 600_000);
});
