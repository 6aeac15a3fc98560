import { appendFileSync, existsSync, readFileSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installedTool } from '@carbon/toolchain';
import { cleanupGitRepos, cloneRepo, commitFiles, createBareOrigin, runAction } from '@carbon/github/testing';

const ROOT = resolve(import.meta.dirname, '../../../..');
const ACTION = resolve(import.meta.dirname, '..');
const CANARY = 'validate-canary-7Zq1';
afterAll(cleanupGitRepos);

const sync = `apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: { name: flux-system, namespace: flux-system }
spec: { interval: 1m, url: ssh://git@example.com/r.git, ref: { branch: main } }
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: { name: flux-system, namespace: flux-system }
spec: { interval: 10m, timeout: 5m, path: ./clusters/staging, prune: true, sourceRef: { kind: GitRepository, name: flux-system } }
`;
const app = sync.split('---\n')[1]!.replace('name: flux-system, namespace', 'name: web, namespace').replace('./clusters/staging', './apps/web');
const secret = `apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: web\nstringData:\n  password: "${CANARY}"\n`;

// The bundle is committed and pretest installs kubeconform: either missing is a failure, never a skip.
describe('bundled validate action', () => {
  beforeAll(() => {
    installedTool(ROOT, 'kubeconform');
    if (!existsSync(join(ACTION, 'dist/index.js'))) throw new Error('dist/index.js is missing: run `npm run bundle`');
  });
  it('runs as the runner does: annotations on the file, SARIF written, failed step, no secret anywhere', async () => {
    const repo = await cloneRepo(await createBareOrigin());
    await commitFiles(repo, { 'clusters/staging/sync.yaml': sync, 'clusters/staging/web.yaml': app, 'apps/web/secret.yaml': secret }, 'web');
    symlinkSync(join(ROOT, '.tools'), join(repo.path, '.tools'));
    appendFileSync(join(repo.path, '.git/info/exclude'), '.tools\n*.sarif\n');
    const event = { action: 'synchronize', pull_request: { number: 3, title: 't', draft: false, base: { sha: 'a'.repeat(40), ref: 'main', repo: { full_name: 'acme/platform' } }, head: { sha: 'b'.repeat(40), ref: 'x', repo: { full_name: 'acme/platform' } } } };
    const result = await runAction({ actionDir: ACTION, eventName: 'pull_request', event, cwd: repo.path, repository: 'acme/platform', timeoutMs: 120_000 });
    expect(result.exitCode).toBe(1);
    expect(result.outputs).toMatchObject({ 'exit-code': '1', errors: expect.stringMatching(/^[1-9]/) });
    expect(result.stdout).toMatch(/::error title=SECR001,file=apps\/web\/secret\.yaml,line=\d+/);
    const sarif = readFileSync(result.outputs['sarif-file']!, 'utf8');
    expect(JSON.parse(sarif).runs[0].results.some((r: { ruleId: string }) => r.ruleId === 'SECR001')).toBe(true);
    for (const text of [sarif, result.stdout, result.stderr, result.summary]) expect(text).not.toContain(CANARY);
  });
});
