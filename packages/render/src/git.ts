import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { exec, type Runner } from '@carbon/toolchain';

const SHA = /^[0-9a-f]{7,64}$/i;

/** Repo-relative folders a GitRepository's `spec.ignore` allow-list keeps (`/*` then `!/apps/x/deploy/`); [] = everything. */
export function includedPaths(ignore: unknown): string[] {
  if (typeof ignore !== 'string') return [];
  const lines = ignore.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  if (!lines.includes('/*')) return [];
  return lines
    .filter((l) => l.startsWith('!/'))
    .map((l) => l.slice(2).replace(/\/+$/, ''))
    .filter((p) => p && !p.split('/').includes('..'));
}

export class GitSourceError extends Error {
  override readonly name = 'GitSourceError';
  constructor(
    readonly commit: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Writes the tree of `commit` (limited to `paths`) into a fresh folder, the way source-controller
 * would hand kustomize-controller an artifact of that revision. `git archive` writes a tar file
 * and `tar` extracts it: no shell, no bytes through a pipe we would have to decode.
 */
export async function extractCommit(repo: string, commit: string, paths: string[], into: string, runner: Runner = exec): Promise<void> {
  if (!SHA.test(commit)) throw new GitSourceError(commit, `"${commit}" is not a commit id`);
  const has = await runner('git', ['-C', repo, 'cat-file', '-e', `${commit}^{commit}`]);
  if (has.exitCode !== 0) throw new GitSourceError(commit, `commit ${commit} is not in the local clone`);
  mkdirSync(into, { recursive: true });
  const tar = join(into, '.source.tar');
  const existing: string[] = [];
  for (const p of paths) {
    const r = await runner('git', ['-C', repo, 'cat-file', '-e', `${commit}:${p}`]);
    if (r.exitCode === 0) existing.push(p);
  }
  if (paths.length && !existing.length) return; // nothing the source keeps exists at that commit: an empty artifact
  const arch = await runner('git', ['-C', repo, 'archive', '--format=tar', '-o', tar, commit, '--', ...existing]);
  if (arch.exitCode !== 0) throw new GitSourceError(commit, `git archive ${commit} failed: ${arch.stderr.trim()}`);
  const x = await runner('tar', ['-xf', tar, '-C', into]);
  if (x.exitCode !== 0) throw new GitSourceError(commit, `extracting ${commit} failed: ${x.stderr.trim()}`);
  rmSync(tar, { force: true });
}
