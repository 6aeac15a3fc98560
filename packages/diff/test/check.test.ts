import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RenderCache } from '@carbon/render';
import { validate } from '@carbon/validate';
import { main } from '../../cli/src/main.ts';
import { check, diffRevisions, WORKTREE } from '../src/index.ts';

const ROOT = resolve(import.meta.dirname, '../../..');

const flux = (name: string, path: string) => `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: { name: ${name}, namespace: flux-system }
spec: { interval: 10m, path: ${path}, prune: true, sourceRef: { kind: GitRepository, name: flux-system } }
`;
const deployment = (name: string, tag: string) => `apiVersion: apps/v1
kind: Deployment
metadata: { name: ${name}, namespace: team }
spec:
  replicas: 1
  selector: { matchLabels: { app: ${name} } }
  template:
    metadata: { labels: { app: ${name} } }
    spec:
      containers:
        - name: ${name}
          image: harbor.example/${name}:${tag}
          resources: { requests: { cpu: 100m, memory: 64Mi } }
`;

function fixture(): string {
  const repo = mkdtempSync(join(tmpdir(), 'check-fixture-'));
  const files: Record<string, string> = {
    'clusters/one/kustomization.yaml': 'resources: [sync.yaml, apps.yaml]\n',
    'clusters/one/sync.yaml': `apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata: { name: flux-system, namespace: flux-system }\nspec: { interval: 1m, url: ssh://git@example.com/x.git, ref: { branch: main } }\n---\n${flux('flux-system', './clusters/one')}`,
    'clusters/one/apps.yaml': ['a', 'b', 'c'].map((s) => flux(s, `./apps/${s}`)).join('---\n'),
  };
  for (const s of ['a', 'b', 'c']) {
    files[`apps/${s}/kustomization.yaml`] = 'resources: [deployment.yaml]\n';
    files[`apps/${s}/deployment.yaml`] = deployment(s, '1.0');
  }
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(dirname(join(repo, p)), { recursive: true });
    writeFileSync(join(repo, p), text);
  }
  const git = (...a: string[]) => execFileSync('git', ['-C', repo, '-c', 'user.email=t@t', '-c', 'user.name=t', ...a], { encoding: 'utf8' });
  git('init', '-q', '-b', 'main');
  git('add', '.');
  git('commit', '-q', '-m', 'base');
  return repo;
}

describe('check', () => {
  it('gives the findings of validate and the diff of diffRevisions, building each distinct input once', async () => {
    const repo = fixture();
    writeFileSync(join(repo, 'apps/b/deployment.yaml'), deployment('b', '2.0')); // one service changes
    const cache = new RenderCache();
    const result = await check({ root: ROOT, path: repo, base: 'HEAD', cache, schema: false });
    // The cluster folder and a, b, c at head; b again at base: 5 builds, the other 3 base builds reused.
    expect(result.render.kustomizeRuns).toBe(5);
    expect(cache.stats.hits).toBe(3);
    const alone = await validate({ root: ROOT, path: repo, schema: false, cache: new RenderCache() });
    expect(result.validate.findings).toEqual(alone.findings);
    const diff = await diffRevisions({ repo, base: 'HEAD', head: WORKTREE, toolsRoot: ROOT });
    expect(result.diff).toEqual(diff);
    expect(result.diff.totals.changed).toBe(1);
    expect(result.diff.sections[0]!.resources.map((r) => `${r.change} ${r.id.kind}/${r.id.name}`)).toEqual(['changed Deployment/b']);
    expect(result.capacity).toEqual([]);
  });

  it('platform check: --base is required, an unknown one is a usage error (exit 2)', async () => {
    let err = '';
    const io = { out: () => undefined, err: (t: string) => (err += t), cwd: ROOT, isTTY: false };
    expect(await main(['check'], io)).toBe(2);
    expect(err).toContain('--base REF is required');
    err = '';
    expect(await main(['check', '--base', 'no-such-ref-xyz'], io)).toBe(2);
    expect(err).toContain('unknown revision');
  });
});
