import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exec, type Runner } from '@carbon/toolchain';
import { checkFile, extractCommit, GitTree, LIMITS, RenderCache, RenderSession } from '../src/index.ts';
import { commitAll, gitRepo, head, ks, writeFiles, writeRepo } from './fixture.ts';

const toolsRoot = resolve(import.meta.dirname, '../../..');

describe('extracting a pinned commit', () => {
  it('never writes a file over the one-file limit: a sparse stand-in of its size, refused by the guard exactly like the real file', async () => {
    const dir = writeRepo({ 'app/kustomization.yaml': 'resources: [big.yaml]\n', 'app/small.yaml': 'a: 1\n' }, { git: true });
    const into = mkdtempSync(join(tmpdir(), 'extract-'));
    try {
      const size = LIMITS.fileBytes + 4096;
      writeFiles(dir, { 'app/big.yaml': `# ${'x'.repeat(size - 3)}\n` });
      const commit = commitAll(dir, 'big file');
      const calls: string[][] = [];
      const runner: Runner = (cmd, args, o) => (calls.push([cmd, ...args]), exec(cmd, args, o));
      await extractCommit(dir, commit, ['app'], into, runner);
      expect(calls.find((c) => c.includes('archive'))).toContain(':(exclude,literal)app/big.yaml');
      const st = statSync(join(into, 'app/big.yaml'));
      expect(st.size).toBe(size);
      expect(st.blocks * 512).toBeLessThan(64 * 1024); // sparse: nothing of it was written
      expect(readFileSync(join(into, 'app/small.yaml'), 'utf8')).toBe('a: 1\n');
      // The guard sees the same size, and says the same, as for the file in the working tree.
      expect(checkFile(join(into, 'app/big.yaml'), 'app/big.yaml').problem).toEqual(checkFile(join(dir, 'app/big.yaml'), 'app/big.yaml').problem);
      expect(checkFile(join(into, 'app/big.yaml'), 'app/big.yaml').problem?.code).toBe('limit');
    } finally {
      rmSync(dir, { recursive: true, force: true });
      rmSync(into, { recursive: true, force: true });
    }
  });

  it('a pinned build reading it fails on the limit, located at the file, as the working tree does', async () => {
    const dir = writeRepo({ 'clusters/prod/kustomization.yaml': 'resources: [apps.yaml]\n', 'clusters/prod/apps.yaml': `${gitRepo('flux-system')}---\n${ks('app', './app')}`, 'app/kustomization.yaml': 'resources: [big.yaml]\n' }, { git: true });
    try {
      writeFiles(dir, { 'app/big.yaml': `# ${'x'.repeat(LIMITS.fileBytes)}\n` });
      const pin = commitAll(dir, 'big file');
      writeFiles(dir, { 'clusters/prod/apps.yaml': `${gitRepo('flux-system')}---\n${gitRepo('app-src', `commit: ${pin}`)}---\n${ks('app', './app').replace('name: flux-system\n', 'name: app-src\n')}` });
      const limitOf = async (workingTree: boolean) => {
        const s = new RenderSession(dir, { toolsRoot, workingTree });
        try {
          const r = await s.renderCluster('prod', 'clusters/prod');
          expect(r.kustomizations.find((k) => k.name === 'app')!.sourceRef.mode).toBe(workingTree ? 'worktree' : 'commit');
          return r.errors.filter((e) => e.code === 'limit').map((e) => [e.file, e.message]);
        } finally {
          s.dispose();
        }
      };
      const pinned = await limitOf(false);
      expect(pinned).toHaveLength(1);
      expect(pinned).toEqual(await limitOf(true));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a pinned commit\'s listing', () => {
  it('is kept by full commit id: a second load runs no ls-tree or cat-file (the configuration is still read), with the same keys', async () => {
    const dir = writeRepo({ 'app/kustomization.yaml': 'resources: [cm.yaml, ../base]\n', 'app/cm.yaml': 'a: 1\n', 'base/kustomization.yaml': 'resources: [x.yaml]\n', 'base/x.yaml': 'b: 2\n' }, { git: true });
    const cacheDir = mkdtempSync(join(tmpdir(), 'listing-cache-'));
    try {
      const commit = head(dir);
      const calls: string[] = [];
      const runner: Runner = (cmd, args, o) => (calls.push(args.filter((a) => !a.startsWith('-') && a !== dir).join(' ')), exec(cmd, args, o));
      const first = await GitTree.load(dir, commit, runner, new RenderCache(cacheDir));
      expect(calls.some((c) => c.startsWith('ls-tree')) && calls.some((c) => c.startsWith('cat-file'))).toBe(true);
      calls.length = 0;
      const second = await GitTree.load(dir, commit, runner, new RenderCache(cacheDir));
      expect(calls.filter((c) => c.startsWith('ls-tree') || c.startsWith('cat-file'))).toEqual([]);
      expect(calls.some((c) => c.startsWith('config'))).toBe(true);
      expect(second.buildKey('app', undefined, 't', [])).toBe(first.buildKey('app', undefined, 't', []));
      expect(second.buildKey('app', undefined, 't', [])).toMatch(/^[0-9a-f]{64}$/);
      // An abbreviated id is never kept (what it names could change as objects arrive).
      calls.length = 0;
      await GitTree.load(dir, commit.slice(0, 10), runner, new RenderCache(cacheDir));
      await GitTree.load(dir, commit.slice(0, 10), runner, new RenderCache(cacheDir));
      expect(calls.filter((c) => c.startsWith('ls-tree'))).toHaveLength(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      rmSync(cacheDir, { recursive: true, force: true });
    }
  });
});
