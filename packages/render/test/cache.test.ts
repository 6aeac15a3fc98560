import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exec, findRepoRoot, type Runner } from '@carbon/toolchain';
import { discoverFluxKustomizations, GitTree, InputHasher, locateField, RenderCache, RenderSession, renderCacheFor, type RenderedCluster } from '../src/index.ts';
import { cm, commitAll, gitRepo, head, ks, writeRepo } from './fixture.ts';

const toolsRoot = findRepoRoot(process.cwd());
const key = (root: string, target = join(root, 'app')) => new InputHasher().buildKey(root, target, ['build', target], 'tool-1');

const app = {
  'app/kustomization.yaml': 'resources: [../base, cm.yaml]\npatches:\n  - path: patch.yaml\nconfigMapGenerator:\n  - name: gen\n    files: [conf=files/app.conf]\n',
  'app/cm.yaml': cm('a', 'team'),
  'app/patch.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n  namespace: team\ndata:\n  patched: "yes"\n',
  'app/files/app.conf': 'x=1\n',
  'base/kustomization.yaml': 'resources: [b.yaml]\n',
  'base/b.yaml': cm('b', 'team'),
  'unrelated/c.yaml': cm('c', 'team'),
};

/** Objects of a rendering as plain data, for comparing renderings. */
const plain = (cs: RenderedCluster[]) => cs.map((c) => ({ cluster: c.cluster, errors: c.errors, ks: c.kustomizations.map((k) => ({ name: k.name, objects: k.objects.map((o) => ({ o: JSON.parse(JSON.stringify(o.object)), f: o.sourceFile, l: o.line })) })) }));

describe('InputHasher.buildKey', () => {
  it('covers every file the build reads: resources, bases, patches, generator inputs, and the kustomization itself', () => {
    const dir = writeRepo(app);
    const before = key(dir);
    expect(before).toMatch(/^[0-9a-f]{64}$/);
    expect(key(dir)).toBe(before);
    for (const f of ['app/kustomization.yaml', 'app/cm.yaml', 'app/patch.yaml', 'app/files/app.conf', 'base/kustomization.yaml', 'base/b.yaml']) {
      const was = readFileSync(join(dir, f), 'utf8');
      writeFileSync(join(dir, f), `${was}# changed\n`);
      expect(key(dir), f).not.toBe(before);
      writeFileSync(join(dir, f), was);
    }
    // a file next to the kustomization (not listed) is part of the key too (a new one may be listed later)
    writeFileSync(join(dir, 'app/extra.yaml'), cm('x', 'team'));
    expect(key(dir)).not.toBe(before);
    rmSync(join(dir, 'app/extra.yaml'));
    // what the build does not read does not matter
    writeFileSync(join(dir, 'unrelated/c.yaml'), cm('changed', 'team'));
    expect(key(dir)).toBe(before);
  });

  it('includes the tool and its arguments', () => {
    const dir = writeRepo(app);
    const t = join(dir, 'app');
    const h = new InputHasher();
    expect(h.buildKey(dir, t, ['build', t], 'tool-1')).not.toBe(h.buildKey(dir, t, ['build', t], 'tool-2'));
    expect(h.buildKey(dir, t, ['build', t], 'tool-1')).not.toBe(h.buildKey(dir, t, ['build', '--enable-helm', t], 'tool-1'));
  });

  it('is the same for the same tree in another folder (base and head checkouts), and refuses remote or outside inputs', () => {
    const dir = writeRepo(app);
    const copy = mkdtempSync(join(tmpdir(), 'render-copy-'));
    cpSync(dir, copy, { recursive: true });
    expect(key(copy)).toBe(key(dir));
    writeFileSync(join(dir, 'app/kustomization.yaml'), 'resources:\n  - https://example.com/x.yaml\n');
    expect(key(dir)).toBeUndefined();
    writeFileSync(join(dir, 'app/kustomization.yaml'), `resources:\n  - ${tmpdir()}\n`);
    expect(key(dir)).toBeUndefined();
  });
});

describe('RenderCache', () => {
  const files = {
    'clusters/prod/kustomization.yaml': 'resources: [apps.yaml]\n',
    // `other` is built through a wrapper kustomization (targetNamespace) in a temporary folder
    'clusters/prod/apps.yaml': `${gitRepo('flux-system')}---\n${ks('app', './app')}---\n${ks('other', './base', '  targetNamespace: elsewhere\n')}`,
    ...app,
  };

  it('renders each distinct input once across sessions, and identically', async () => {
    const dir = writeRepo(files);
    const cacheDir = mkdtempSync(join(tmpdir(), 'render-cache-'));
    const first = new RenderCache(cacheDir);
    const s1 = new RenderSession(dir, { toolsRoot, cache: first });
    const a = await s1.renderCluster('prod', 'clusters/prod');
    s1.dispose();
    expect(a.errors).toEqual([]);
    expect(s1.kustomizeRuns).toBe(3);
    expect(first.stats).toMatchObject({ misses: 3, writes: 3, diskHits: 0 });
    // A new process (new cache object, same folder), a copy of the tree elsewhere: nothing runs.
    const copy = mkdtempSync(join(tmpdir(), 'render-copy-'));
    cpSync(dir, copy, { recursive: true });
    const second = new RenderCache(cacheDir);
    const s2 = new RenderSession(copy, { toolsRoot, cache: second });
    const b = await s2.renderCluster('prod', 'clusters/prod');
    s2.dispose();
    expect(s2.kustomizeRuns).toBe(0);
    expect(second.stats).toMatchObject({ diskHits: 3, misses: 0 });
    expect(plain([b])).toEqual(plain([a]));
    const uncached = await discoverFluxKustomizations(copy, { toolsRoot });
    expect(plain(uncached)).toEqual(plain([b]));
    // Change one input: only its build runs again, and the output follows the change.
    writeFileSync(join(copy, 'app/files/app.conf'), 'x=2\n');
    const third = new RenderCache(cacheDir);
    const s3 = new RenderSession(copy, { toolsRoot, cache: third });
    const c = await s3.renderCluster('prod', 'clusters/prod');
    s3.dispose();
    expect(s3.kustomizeRuns).toBe(1);
    const gen = c.kustomizations.find((k) => k.name === 'app')!.objects.find((o) => o.object.metadata?.name?.startsWith('gen-'));
    expect(gen!.object.data).toEqual({ conf: 'x=2\n' });
  });

  it('detects a corrupted or truncated entry and renders again', async () => {
    const dir = writeRepo(files);
    const cacheDir = mkdtempSync(join(tmpdir(), 'render-cache-'));
    const s1 = new RenderSession(dir, { toolsRoot, cache: new RenderCache(cacheDir) });
    const good = await s1.renderCluster('prod', 'clusters/prod');
    s1.dispose();
    const entries = readdirSync(cacheDir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile() && e.name.endsWith('.yaml')).map((e) => join(e.parentPath, e.name));
    expect(entries).toHaveLength(3);
    // one edited (same length), one truncated, one emptied
    const t0 = readFileSync(entries[0]!, 'utf8');
    writeFileSync(entries[0]!, t0.replace(/name: (\w)/, 'name: z'));
    const t1 = readFileSync(entries[1]!, 'utf8');
    writeFileSync(entries[1]!, t1.slice(0, t1.length - 10));
    writeFileSync(entries[2]!, '');
    const cache = new RenderCache(cacheDir);
    const s2 = new RenderSession(dir, { toolsRoot, cache });
    const again = await s2.renderCluster('prod', 'clusters/prod');
    s2.dispose();
    expect(cache.stats).toMatchObject({ corrupt: 3, misses: 3, writes: 3 });
    expect(s2.kustomizeRuns).toBe(3);
    expect(plain([again])).toEqual(plain([good]));
  });

  it('gives a pinned commit and the same files in the working tree one key', async () => {
    const dir = writeRepo(
      {
        'clusters/prod/kustomization.yaml': 'resources: [apps.yaml]\n',
        'clusters/prod/apps.yaml': `${gitRepo('flux-system')}---\n${ks('app', './app')}`,
        ...app,
      },
      { git: true },
    );
    const pin = head(dir);
    writeFileSync(join(dir, 'clusters/prod/apps.yaml'), `${gitRepo('flux-system')}---\n${gitRepo('app-src', `commit: ${pin}`)}---\n${ks('app', './app').replace('name: flux-system\n', 'name: app-src\n')}`);
    const cache = new RenderCache();
    const s = new RenderSession(dir, { toolsRoot, cache });
    const pinned = await s.renderCluster('prod', 'clusters/prod');
    const worktree = await new RenderSession(dir, { toolsRoot, cache, workingTree: true }).renderCluster('prod', 'clusters/prod');
    s.dispose();
    expect(pinned.kustomizations.find((k) => k.name === 'app')!.sourceRef.mode).toBe('commit');
    expect(cache.stats.misses).toBe(2); // the cluster folder and app (from the commit); the working tree's app is a hit
    expect(cache.stats.hits).toBeGreaterThanOrEqual(1);
    expect(plain([worktree])[0]!.ks.find((k) => k.name === 'app')!.objects.map((o) => o.o)).toEqual(plain([pinned])[0]!.ks.find((k) => k.name === 'app')!.objects.map((o) => o.o));
  });

  it('reads its folder from PLATFORM_RENDER_CACHE; off turns reuse off', () => {
    expect(renderCacheFor(undefined, { PLATFORM_RENDER_CACHE: 'off' })).toBeUndefined();
    expect(renderCacheFor('/x', {})!.dir).toBe('/x');
    expect(renderCacheFor('/x', { PLATFORM_RENDER_CACHE: '/y' })!.dir).toBe('/y');
    expect(renderCacheFor(undefined, {})!.dir).toBeUndefined();
  });
});

describe('builds of a pinned commit keyed by git objects', () => {
  const pinned = (pin: string) => `${gitRepo('flux-system')}---\n${gitRepo('app-src', `commit: ${pin}`)}---\n${ks('app', './app').replace('name: flux-system\n', 'name: app-src\n')}`;
  const repo = () => writeRepo({ 'clusters/prod/kustomization.yaml': 'resources: [apps.yaml]\n', 'clusters/prod/apps.yaml': `${gitRepo('flux-system')}---\n`, ...app }, { git: true });
  const treeKey = async (dir: string, commit: string) => (await GitTree.load(dir, commit)).buildKey('app', undefined, 'tool-1', []);

  it('changes with a referenced base outside the path, not with an unrelated file', async () => {
    const dir = repo();
    const c1 = head(dir);
    const k1 = await treeKey(dir, c1);
    expect(k1).toMatch(/^[0-9a-f]{64}$/);
    writeFileSync(join(dir, 'unrelated/c.yaml'), cm('c', 'team', 'a: changed'));
    expect(await treeKey(dir, commitAll(dir, 'unrelated'))).toBe(k1);
    writeFileSync(join(dir, 'base/b.yaml'), cm('b', 'team', 'a: changed'));
    const c3 = commitAll(dir, 'base outside the path');
    expect(await treeKey(dir, c3)).not.toBe(k1);
    writeFileSync(join(dir, 'app/files/app.conf'), 'x=9\n');
    expect(await treeKey(dir, commitAll(dir, 'generator input'))).not.toBe(await treeKey(dir, c3));
    // the overlay, the tool and the source's folders are part of it
    const t = await GitTree.load(dir, c3);
    expect(t.buildKey('app', { targetNamespace: 'x' }, 'tool-1', [])).not.toBe(t.buildKey('app', undefined, 'tool-1', []));
    expect(t.buildKey('app', undefined, 'tool-2', [])).not.toBe(t.buildKey('app', undefined, 'tool-1', []));
    expect(t.buildKey('app', undefined, 'tool-1', ['app', 'base'])).not.toBe(t.buildKey('app', undefined, 'tool-1', []));
  });

  it('is refused for a commit with a symlink or converting .gitattributes (git bytes may not be the extracted bytes)', async () => {
    const dir = repo();
    symlinkSync('b.yaml', join(dir, 'base/link.yaml'));
    expect(await treeKey(dir, commitAll(dir, 'link'))).toBeUndefined();
    rmSync(join(dir, 'base/link.yaml'));
    writeFileSync(join(dir, '.gitattributes'), 'app/** linguist-generated=true\n');
    expect(await treeKey(dir, commitAll(dir, 'harmless attributes'))).toMatch(/^[0-9a-f]{64}$/);
    writeFileSync(join(dir, '.gitattributes'), 'app/** linguist-generated=true\n*.yaml text eol=crlf\n');
    expect(await treeKey(dir, commitAll(dir, 'attributes'))).toBeUndefined();
  });

  it('renders a warm pinned build without extracting the commit, identically (objects, lines, field positions); a changed base misses', async () => {
    const dir = repo();
    const c1 = head(dir);
    writeFileSync(join(dir, 'clusters/prod/apps.yaml'), pinned(c1));
    const cacheDir = mkdtempSync(join(tmpdir(), 'render-cache-'));
    const render = async () => {
      const archives: string[][] = [];
      const runner: Runner = (cmd, args, o) => {
        if (cmd === 'git' && args.includes('archive')) archives.push([...args]);
        return exec(cmd, args, o);
      };
      const cache = new RenderCache(cacheDir);
      const s = new RenderSession(dir, { toolsRoot, cache, runner });
      const r = await s.renderCluster('prod', 'clusters/prod');
      const objects = r.kustomizations.find((k) => k.name === 'app')!.objects;
      const at = objects.map((o) => locateField(o, ['data'])); // while the session's files exist (checks run before dispose)
      s.dispose();
      return { r, cache, archives, objects, at };
    };
    const cold = await render();
    expect(cold.r.errors).toEqual([]);
    expect(cold.archives).toHaveLength(1);
    expect(cold.r.kustomizations.find((k) => k.name === 'app')!.sourceRef.mode).toBe('commit');
    const warm = await render();
    expect(warm.archives).toHaveLength(0);
    expect(warm.cache.stats.treeHits).toBe(1);
    expect(plain([warm.r])).toEqual(plain([cold.r]));
    expect(warm.objects.map((o) => [o.commit, o.generatedFrom])).toEqual(cold.objects.map((o) => [o.commit, o.generatedFrom]));
    expect(warm.at).toEqual(cold.at);
    expect(warm.at.filter(Boolean).length).toBeGreaterThan(0);
    // Pin a commit whose base (outside the path) changed: no hit, the build follows the change.
    writeFileSync(join(dir, 'base/b.yaml'), cm('b', 'team', 'a: changed'));
    const c2 = commitAll(dir, 'base');
    writeFileSync(join(dir, 'clusters/prod/apps.yaml'), pinned(c2));
    const moved = await render();
    expect(moved.archives).toHaveLength(1);
    expect(moved.cache.stats.treeHits).toBe(0);
    expect(moved.objects.find((o) => o.object.metadata?.name === 'b')!.object.data).toMatchObject({ a: 'changed', patched: 'yes' });
  });
});
