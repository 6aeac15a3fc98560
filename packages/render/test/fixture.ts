import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * The test repositories' plumbing, shared by the render, CLI (foreign layouts, usage errors,
 * hostile pull requests) tests: files written under a folder, git with a test identity, commits.
 */

/** Writes `files` (repo-relative path → text or bytes) under `dir`, creating folders. */
export function writeFiles(dir: string, files: Record<string, string | Buffer>): void {
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, p)), { recursive: true });
    writeFileSync(join(dir, p), text);
  }
}

/** `git -C dir …` with a test identity; its trimmed output. */
export const gitIn = (dir: string, ...args: string[]): string => execFileSync('git', ['-C', dir, '-c', 'user.email=t@t', '-c', 'user.name=t', ...args], { encoding: 'utf8' }).trim();

/** Writes `files` into a fresh folder; `git: true` makes it a repository with one commit. */
export function writeRepo(files: Record<string, string>, opts: { git?: boolean } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'render-fixture-'));
  writeFiles(dir, files);
  if (opts.git) {
    gitIn(dir, 'init', '-q', '-b', 'main');
    commitAll(dir, 'fixture');
  }
  return dir;
}

/** Commits everything in `dir` (new, changed and removed files); the new commit id. */
export function commitAll(dir: string, message: string): string {
  gitIn(dir, 'add', '-A');
  gitIn(dir, 'commit', '-q', '-m', message);
  return gitIn(dir, 'rev-parse', 'HEAD');
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
