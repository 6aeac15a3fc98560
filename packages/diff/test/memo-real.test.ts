import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RenderCache } from '@carbon/render';
import { toJson } from '@carbon/validate';
import { check, renderJson, type CheckOptions, type CheckResult } from '../src/index.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
const git = (...a: string[]) => execFileSync('git', ['-C', ROOT, ...a], { encoding: 'utf8' }).trim();
const shallow = git('rev-parse', '--is-shallow-repository') === 'true';

/** The check's output as the CLI prints it (--format json) without what says how it ran (stats: builds, duration), and the per-run salt of masked values removed. */
const printed = (r: CheckResult) => {
  const { stats: _stats, ...validate } = toJson(r.validate) as Record<string, unknown>;
  return JSON.stringify({ validate, diff: JSON.parse(renderJson(r.diff)) }).replace(/#[0-9a-f]{8}›/g, '#›');
};

// HEAD~1 must exist: the base memo is keyed by the base commit.
describe.skipIf(shallow)('memos on this repository (a one-service change, as the bench makes it)', () => {
  const top = mkdtempSync(join(tmpdir(), 'memo-real-'));
  const tree = join(top, 'tree');
  const cacheDir = join(top, 'cache');
  beforeAll(() => {
    git('-c', 'core.hooksPath=/dev/null', 'worktree', 'add', '--quiet', '--detach', tree, 'HEAD');
    const f = join(tree, 'apps/portal/deploy/overlays/single-node/deployment-portal.yaml');
    writeFileSync(f, readFileSync(f, 'utf8').replace(/replicas: \d+/, 'replicas: 3'));
  });
  afterAll(() => {
    git('worktree', 'remove', '--force', tree);
    rmSync(top, { recursive: true, force: true });
  });
  const run = (o: Partial<CheckOptions> = {}) => check({ root: ROOT, path: tree, base: 'HEAD~1', cache: new RenderCache(cacheDir), ...o });

  it('a warm re-run reads the whole check back, printing what a run without any cache folder prints; changed-only with the base memo too', async () => {
    const first = await run();
    expect(first.render.memo).toBe('stored');
    const warm = await run();
    expect(warm.render.memo).toBe('hit');
    const uncached = await check({ root: ROOT, path: tree, base: 'HEAD~1', cache: new RenderCache(), memo: false });
    expect(printed(warm)).toBe(printed(uncached));
    expect(printed(first)).toBe(printed(uncached));
    // Changed-only: no whole-result memo, the base served from its memo; the same as without any cache.
    const changed = await run({ changedSince: 'HEAD' });
    expect(changed.render.memo).toBeUndefined();
    expect(printed(changed)).toBe(printed(await check({ root: ROOT, path: tree, base: 'HEAD~1', cache: new RenderCache(), memo: false, changedSince: 'HEAD' })));
  }, 600_000);
});
