import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exec, type Runner } from '@carbon/toolchain';
import { checkFile, extractCommit, LIMITS, RenderSession } from '../src/index.ts';
import { commitAll, gitRepo, ks, writeFiles, writeRepo } from './fixture.ts';

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
