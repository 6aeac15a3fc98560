import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** Writes `files` (repo-relative path → text) into a fresh folder; `git: true` makes it a repository with one commit. */
export function writeRepo(files: Record<string, string>, opts: { git?: boolean } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'render-fixture-'));
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, p)), { recursive: true });
    writeFileSync(join(dir, p), text);
  }
  if (opts.git) {
    const git = (...a: string[]) => execFileSync('git', ['-C', dir, ...a], { encoding: 'utf8' }).trim();
    git('init', '-q', '-b', 'main');
    git('-c', 'user.email=t@t', '-c', 'user.name=t', 'add', '.');
    git('-c', 'user.email=t@t', '-c', 'user.name=t', 'commit', '-q', '-m', 'fixture');
  }
  return dir;
}

export function commitAll(dir: string, message: string): string {
  const git = (...a: string[]) => execFileSync('git', ['-C', dir, ...a], { encoding: 'utf8' }).trim();
  git('add', '.');
  git('-c', 'user.email=t@t', '-c', 'user.name=t', 'commit', '-q', '-m', message);
  return git('rev-parse', 'HEAD');
}

export const ks = (name: string, path: string, extra = ''): string => `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: ${name}
  namespace: flux-system
spec:
  interval: 10m
  timeout: 5m
  path: ${path}
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
${extra}`;

export const gitRepo = (name: string, ref = 'branch: main'): string => `apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: ${name}
  namespace: flux-system
spec:
  interval: 1m
  url: ssh://git@example.com/repo.git
  ref:
    ${ref}
`;

export const cm = (name: string, ns = 'default', data = 'a: b'): string => `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}
  namespace: ${ns}
data:
  ${data}
`;

export const head = (dir: string): string => execFileSync('git', ['-C', dir, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
