import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RenderCache, type RenderedCluster, type RenderOptions } from '@carbon/render';
import { check, diffRevisions, WORKTREE, type CheckOptions } from '../src/index.ts';
import { codeFiles, codeVersionOf, environmentLines, faithfulJson, unkeyedRead, worktreeState } from '../src/memo.ts';
import { deployment, fixture, gitIn } from './check-fixture.ts';
import { discoverFluxKustomizations } from '@carbon/render';

const ROOT = resolve(import.meta.dirname, '../../..');

const write = (repo: string, p: string, text: string) => {
  mkdirSync(dirname(join(repo, p)), { recursive: true });
  writeFileSync(join(repo, p), text);
};

/** Service c also reads a base outside its Flux path (shared/config). */
const extra = {
  'apps/c/kustomization.yaml': 'resources: [deployment.yaml, ../../shared/config]\n',
  'shared/config/kustomization.yaml': 'resources: [cm.yaml]\n',
  'shared/config/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: shared, namespace: team }\ndata: { level: info }\n',
  '.gitignore': '*.local.yaml\ngen/\n.scratch/\n',
};

/** The parts of a result a memo must reproduce exactly. */
const comparable = (r: Awaited<ReturnType<typeof check>>) => ({ findings: r.validate.findings, clusters: r.validate.clusters, scope: r.validate.scope, diff: r.diff, capacity: r.capacity });

describe('check memo (a whole result kept by everything that produced it)', () => {
  const run = (repo: string, cacheDir: string, over: Partial<CheckOptions> = {}) => check({ root: ROOT, path: repo, base: 'HEAD', cache: new RenderCache(cacheDir), schema: false, rules: false, ...over });
  const fresh = (repo: string, over: Partial<CheckOptions> = {}) => check({ root: ROOT, path: repo, base: 'HEAD', cache: new RenderCache(), schema: false, rules: false, memo: false, ...over });

  it('reads an unchanged tree back whole, identical to a run without any cache; every input change misses and gives the fresh result', async () => {
    const repo = fixture(extra);
    const cacheDir = mkdtempSync(join(tmpdir(), 'memo-cache-'));
    try {
      write(repo, 'apps/b/deployment.yaml', deployment('b', '2.0'));
      const first = await run(repo, cacheDir);
      expect(first.render.memo).toBe('stored');
      const again = await run(repo, cacheDir);
      expect(again.render.memo).toBe('hit');
      expect(again.render.kustomizeRuns).toBe(0);
      expect(comparable(again)).toEqual(comparable(first));
      expect(comparable(again)).toEqual(comparable(await fresh(repo)));

      // Each change below must miss (never 'hit') and give what a run without cache gives.
      const changes: [string, () => void, Partial<CheckOptions>?][] = [
        ['a file in a Flux path', () => write(repo, 'apps/a/deployment.yaml', deployment('a', '3.0'))],
        ['a file outside the path that a kustomization reads', () => write(repo, 'shared/config/cm.yaml', readFileSync(join(repo, 'shared/config/cm.yaml'), 'utf8').replace('info', 'debug'))],
        ['a new untracked file next to a kustomization (not applied: HYG003)', () => write(repo, 'apps/a/extra.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: extra, namespace: team }\n')],
        ['a git-ignored file next to a kustomization', () => write(repo, 'apps/a/notes.local.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: local, namespace: team }\n')],
        ['the same ignored file edited', () => write(repo, 'apps/a/notes.local.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: local2, namespace: team }\n')],
        ['another base revision (the changes so far committed: the same files, the diff is empty)', () => (gitIn(repo)('add', '-A'), gitIn(repo)('commit', '-q', '-m', 'next'))],
        ['an option (today: policy exceptions expire)', () => undefined, { today: '2000-01-01' }],
        ['an option (--cluster)', () => undefined, { clusters: ['one'] }],
      ];
      for (const [what, change, over] of changes) {
        change();
        const got = await run(repo, cacheDir, over);
        expect(got.render.memo, what).toBe('stored');
        expect(comparable(got), what).toEqual(comparable(await fresh(repo, over)));
        expect((await run(repo, cacheDir, over)).render.memo, `${what}, run again`).toBe('hit');
      }
      // A changed-only check keeps no whole result (its tree changes with every push); the base memo still serves it.
      const changed = await run(repo, cacheDir, { changedSince: 'HEAD~1' });
      expect(changed.render.memo).toBeUndefined();
      expect(comparable(changed)).toEqual(comparable(await fresh(repo, { changedSince: 'HEAD~1' })));
    } finally {
      rmSync(repo, { recursive: true, force: true });
      rmSync(cacheDir, { recursive: true, force: true });
    }
  }, 120_000);

  it('is not kept when the check reads a folder git does not hold (ignored), and is kept beside an unread ignored dot folder', async () => {
    const repo = fixture(extra);
    const cacheDir = mkdtempSync(join(tmpdir(), 'memo-cache-'));
    try {
      write(repo, 'apps/a/kustomization.yaml', 'resources: [deployment.yaml, gen/cm.yaml]\n');
      write(repo, 'apps/a/gen/cm.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: gen, namespace: team }\n');
      const r = await run(repo, cacheDir);
      expect(r.render.memo).toMatch(/^not kept: apps\/a\/gen\/ is not in git/);
      expect((await run(repo, cacheDir)).render.memo).toMatch(/^not kept/);
      write(repo, 'apps/a/kustomization.yaml', 'resources: [deployment.yaml]\n');
      rmSync(join(repo, 'apps/a/gen'), { recursive: true });
      write(repo, '.scratch/x.yaml', 'anything: 1\n');
      expect((await run(repo, cacheDir)).render.memo).toBe('stored');
      expect((await run(repo, cacheDir)).render.memo).toBe('hit');
    } finally {
      rmSync(repo, { recursive: true, force: true });
      rmSync(cacheDir, { recursive: true, force: true });
    }
  }, 60_000);

  it('a cache folder inside the repository (git-ignored, created by the first run) does not change the key: the second run is a hit', async () => {
    const repo = fixture({ ...extra, '.gitignore': '.cache/\n' });
    try {
      const cacheDir = join(repo, '.cache', 'render');
      expect((await run(repo, cacheDir)).render.memo).toBe('stored');
      expect((await run(repo, cacheDir)).render.memo).toBe('hit');
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  }, 60_000);

  it('faithfulJson: only what JSON gives back as it was', () => {
    expect(faithfulJson({ a: [1, 'x', null, { b: true }], c: undefined })).toBe(true);
    for (const bad of [{ a: Infinity }, { a: [NaN] }, [undefined], { a: -0 }, { d: new Date(0) }]) expect(faithfulJson(bad)).toBe(false);
  });

  it('unkeyedRead: ignored folders are fine only when no read reaches them and cluster discovery skips them', () => {
    const c = { cluster: 'one', clusterDir: 'clusters/one', repoRoot: '/r', kustomizations: [{ name: 'a', namespace: 'flux-system', path: 'apps/a', pathExists: true, dependsOn: [], sourceRef: { kind: 'GitRepository', name: 'x', namespace: 'flux-system', mode: 'worktree' }, spec: {}, objects: [] }], unapplied: [], errors: [], inputs: ['apps/a', 'shared/.hidden/base'] } as RenderedCluster;
    expect(unkeyedRead(['.cache', 'node_modules', 'apps/b/.turbo'], [c])).toBeUndefined();
    expect(unkeyedRead(['coverage'], [c])).toMatch(/cluster discovery reads it/);
    expect(unkeyedRead(['apps/a/.gen'], [c])).toMatch(/reads apps\/a/);
    expect(unkeyedRead(['shared/.hidden'], [c])).toMatch(/reads shared\/.hidden\/base/);
  });

  it('the key holds every tool binary and the code: a changed tool or source file changes it', async () => {
    const tools = mkdtempSync(join(tmpdir(), 'memo-tools-'));
    const repo = fixture();
    try {
      write(tools, '.tools/bin/kustomize', 'v1');
      const before = await environmentLines({ repo, toolsRoot: tools });
      write(tools, '.tools/bin/kustomize', 'v2 (a different build)');
      const after = await environmentLines({ repo, toolsRoot: tools });
      expect(before).not.toEqual(after);
      expect(await environmentLines({ repo, toolsRoot: tools, charts: { fetch: true } })).toMatch(/network/);

      write(tools, 'package-lock.json', '{}');
      write(tools, 'packages/validate/src/rules.ts', 'export const RULES = 1;\n');
      const v1 = codeVersionOf(tools);
      write(tools, 'packages/validate/src/rules.ts', 'export const RULES = 2;\n');
      expect(codeVersionOf(tools)).not.toBe(v1);
      // This repository's own code version covers the rules, the renderer and the diff engine.
      const own = codeFiles(ROOT).map((f) => f.slice(ROOT.length + 1));
      expect(own).toEqual(expect.arrayContaining(['package-lock.json', 'packages/validate/src/rules.ts', 'packages/validate/src/checks/workload.ts', 'packages/render/src/render.ts', 'packages/diff/src/engine.ts']));
    } finally {
      rmSync(tools, { recursive: true, force: true });
      rmSync(repo, { recursive: true, force: true });
    }
  });

  it('worktreeState: content by git, refused for symlinks, assume-unchanged entries, converting .gitattributes (before git add runs) and files over the one-file limit (never hashed into .git)', async () => {
    const repo = fixture();
    try {
      const a = await worktreeState(repo);
      write(repo, 'apps/a/deployment.yaml', deployment('a', '9.9'));
      const b = await worktreeState(repo);
      expect(typeof a).toBe('object');
      expect(a).not.toEqual(b);
      gitIn(repo)('update-index', '--assume-unchanged', 'apps/b/deployment.yaml');
      expect(await worktreeState(repo)).toMatch(/assume-unchanged/);
      gitIn(repo)('update-index', '--no-assume-unchanged', 'apps/b/deployment.yaml');
      // A filter the repository's configuration defines would run inside `git add`: refused before that.
      const marker = join(repo, '..', `filter-ran-${Date.now()}`);
      gitIn(repo)('config', 'filter.anything.clean', `touch '${marker}'; cat`);
      write(repo, 'apps/.gitattributes', '*.yaml filter=anything\n');
      expect(await worktreeState(repo)).toMatch(/apps\/.gitattributes sets filter/);
      expect(existsSync(marker)).toBe(false);
      rmSync(join(repo, 'apps/.gitattributes'));
      write(repo, 'apps/a/dump.bin', '');
      const { symlinkSync, truncateSync } = await import('node:fs');
      truncateSync(join(repo, 'apps/a/dump.bin'), 9 * 1024 * 1024);
      expect(await worktreeState(repo)).toMatch(/apps\/a\/dump.bin is over 8 MiB/);
      rmSync(join(repo, 'apps/a/dump.bin'));
      symlinkSync('deployment.yaml', join(repo, 'apps/a/link.yaml'));
      expect(await worktreeState(repo)).toMatch(/symbolic link/);
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  });
});

describe('base revision memo', () => {
  it('is not kept when a base object holds a value JSON would not give back (a YAML .inf in a folder read without kustomize)', async () => {
    // kustomize refuses such a value; a Flux path without a kustomization file is read as it is.
    const repo = fixture({ 'apps/b/kustomization.yaml': '', 'apps/b/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: weights, namespace: team }\ndata: { a: b }\nweight: .inf\n' });
    const cacheDir = mkdtempSync(join(tmpdir(), 'memo-cache-'));
    try {
      const dirs: string[] = [];
      const render = (dir: string, o: RenderOptions): Promise<RenderedCluster[]> => (dirs.push(dir), discoverFluxKustomizations(dir, o));
      rmSync(join(repo, 'apps/b/kustomization.yaml'));
      gitIn(repo)('add', '-A');
      gitIn(repo)('commit', '-q', '-m', 'plain folder');
      const first = await diffRevisions({ repo, base: 'HEAD', head: WORKTREE, toolsRoot: ROOT, cache: new RenderCache(cacheDir), render });
      dirs.length = 0;
      const second = await diffRevisions({ repo, base: 'HEAD', head: WORKTREE, toolsRoot: ROOT, cache: new RenderCache(cacheDir), render });
      expect(dirs.some((d) => d !== repo)).toBe(true); // the base was rendered again: nothing was kept
      expect(second).toEqual(first);
    } finally {
      rmSync(repo, { recursive: true, force: true });
      rmSync(cacheDir, { recursive: true, force: true });
    }
  }, 60_000);

  it('a second diff against the same base checks out and renders nothing there, with the same report', async () => {
    const repo = fixture(extra);
    const cacheDir = mkdtempSync(join(tmpdir(), 'memo-cache-'));
    try {
      write(repo, 'apps/b/deployment.yaml', deployment('b', '2.0'));
      const dirs: string[] = [];
      const render = (dir: string, o: RenderOptions): Promise<RenderedCluster[]> => {
        dirs.push(dir);
        return discoverFluxKustomizations(dir, o);
      };
      const first = await diffRevisions({ repo, base: 'HEAD', head: WORKTREE, toolsRoot: ROOT, cache: new RenderCache(cacheDir), render });
      expect(dirs.some((d) => d !== repo)).toBe(true); // the base worktree
      dirs.length = 0;
      const second = await diffRevisions({ repo, base: 'HEAD', head: WORKTREE, toolsRoot: ROOT, cache: new RenderCache(cacheDir), render });
      expect(dirs).toEqual([repo]);
      expect(second).toEqual(first);
      expect(second).toEqual(await diffRevisions({ repo, base: 'HEAD', head: WORKTREE, toolsRoot: ROOT, cache: new RenderCache(), memo: false }));
      expect(second.totals.changed).toBe(1);
    } finally {
      rmSync(repo, { recursive: true, force: true });
      rmSync(cacheDir, { recursive: true, force: true });
    }
  }, 60_000);
});
