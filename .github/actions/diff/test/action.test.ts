import { existsSync, readFileSync, symlinkSync, appendFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installedTool } from '@carbon/toolchain';
import { cleanupGitRepos, cloneRepo, commitFiles, createBareOrigin, runAction } from '@carbon/github/testing';

const ROOT = resolve(import.meta.dirname, '../../../..');
const ACTION = resolve(import.meta.dirname, '..');
const CANARY = 'bundle-canary-Pq93';
afterAll(cleanupGitRepos);

const sync = `apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: { name: flux-system, namespace: flux-system }
spec: { interval: 1m, url: ssh://git@example.com/r.git, ref: { branch: main } }
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: { name: flux-system, namespace: flux-system }
spec: { interval: 10m, path: ./clusters/staging, prune: true, sourceRef: { kind: GitRepository, name: flux-system } }
`;
const app = `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: { name: web, namespace: flux-system }
spec: { interval: 10m, path: ./apps/web, prune: true, sourceRef: { kind: GitRepository, name: flux-system } }
`;
const secret = (v: string) => `apiVersion: v1\nkind: Secret\nmetadata: { name: db, namespace: web }\nstringData: { password: "${v}" }\n`;
const pvc = `apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: { name: data, namespace: web }\nspec: { accessModes: [ReadWriteOnce], resources: { requests: { storage: 1Gi } } }\n`;

// The bundle is committed and pretest installs kustomize: either missing is a failure, never a skip.
describe('bundled diff action', () => {
  beforeAll(() => {
    installedTool(ROOT, 'kustomize');
    if (!existsSync(join(ACTION, 'dist/index.js'))) throw new Error('dist/index.js is missing: run `npm run bundle`');
  });
  it('renders a pull request the way the runner runs it: files, outputs, full job summary, no secret', async () => {
    const repo = await cloneRepo(await createBareOrigin());
    const base = await commitFiles(repo, { 'clusters/staging/sync.yaml': sync, 'clusters/staging/apps.yaml': app, 'apps/web/kustomization.yaml': 'resources: [secret.yaml, pvc.yaml]\n', 'apps/web/secret.yaml': secret('old'), 'apps/web/pvc.yaml': pvc }, 'base');
    const head = await commitFiles(repo, { 'apps/web/kustomization.yaml': 'resources: [secret.yaml]\n', 'apps/web/secret.yaml': secret(CANARY), 'apps/web/pvc.yaml': null }, 'head');
    // The pinned tools live in the platform checkout; CI runs `npm run setup` in the workspace.
    symlinkSync(join(ROOT, '.tools'), join(repo.path, '.tools'));
    appendFileSync(join(repo.path, '.git/info/exclude'), '.tools\n');
    const event = { action: 'synchronize', pull_request: { number: 12, title: 't', draft: false, base: { sha: base, ref: 'main', repo: { full_name: 'acme/platform' } }, head: { sha: head, ref: 'x', repo: { full_name: 'acme/platform' } } } };
    const result = await runAction({ actionDir: ACTION, eventName: 'pull_request', event, cwd: repo.path, repository: 'acme/platform', timeoutMs: 120_000 });
    expect(result.stderr).not.toContain('Error');
    expect(result.exitCode).toBe(0);
    expect(result.outputs).toMatchObject({ level: 'full', changed: '2', 'high-risks': '1' });
    const out = result.outputs['output-dir']!;
    const comment = readFileSync(join(out, 'diff.md'), 'utf8');
    expect(comment).toContain('data-at-risk');
    expect(comment).toContain('PersistentVolumeClaim web/data');
    expect(readFileSync(join(out, 'pr-number'), 'utf8')).toBe('12\n');
    expect(result.summary).toContain('<details>');
    for (const text of [comment, readFileSync(join(out, 'diff.json'), 'utf8'), readFileSync(join(out, 'diff-full.md'), 'utf8'), result.summary, result.stdout]) expect(text).not.toContain(CANARY);
  });
});
