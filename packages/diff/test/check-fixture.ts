import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export const flux = (name: string, path: string) => `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: { name: ${name}, namespace: flux-system }
spec: { interval: 10m, path: ${path}, prune: true, sourceRef: { kind: GitRepository, name: flux-system } }
`;
export const deployment = (name: string, tag: string) => `apiVersion: apps/v1
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

/** A Flux repository of one cluster and three services (a, b, c), committed; `extra` files are added before the commit. */
export function fixture(extra: Record<string, string> = {}): string {
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
  Object.assign(files, extra);
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(dirname(join(repo, p)), { recursive: true });
    writeFileSync(join(repo, p), text);
  }
  const git = gitIn(repo);
  git('init', '-q', '-b', 'main');
  git('add', '.');
  git('commit', '-q', '-m', 'base');
  return repo;
}


export const gitIn =
  (repo: string) =>
  (...a: string[]): string =>
    execFileSync('git', ['-C', repo, '-c', 'user.email=t@t', '-c', 'user.name=t', ...a], { encoding: 'utf8' });
