import { mkdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { exec, type Runner } from '@carbon/toolchain';
import { LIMITS } from './guard.ts';

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
  // One ls-tree names which of the kept folders exist at that commit (git archive fails on a missing one).
  let existing: string[] = [];
  if (paths.length) {
    const ls = await runner('git', ['-C', repo, 'ls-tree', '--name-only', commit, '--', ...paths]);
    const found = new Set(ls.stdout.split('\n').map((l) => l.trim()).filter(Boolean));
    existing = paths.filter((p) => found.has(p));
  }
  if (paths.length && !existing.length) return; // nothing the source keeps exists at that commit: an empty artifact
  // Files over the one-file limit are never written out: the sizes come from the listing, the archive leaves them
  // out, and each is stood in for by a sparse file of its size (no data), which the guard refuses by its size alone
  // exactly as it refuses the real file, before reading a byte.
  const sized = await runner('git', ['-C', repo, 'ls-tree', '-r', '-l', '-z', '--full-tree', commit, '--', ...existing]);
  if (sized.exitCode !== 0) throw new GitSourceError(commit, `git ls-tree ${commit} failed: ${sized.stderr.trim()}`);
  const big: { path: string; size: number }[] = [];
  for (const rec of sized.stdout.split('\0')) {
    const m = /^\d{6} blob [0-9a-f]+ +(\d+)\t(.+)$/s.exec(rec);
    if (m && Number(m[1]) > LIMITS.fileBytes) big.push({ path: m[2]!, size: Number(m[1]) });
  }
  const arch = await runner('git', ['-C', repo, 'archive', '--format=tar', '-o', tar, commit, '--', ...existing, ...big.map((b) => `:(exclude,literal)${b.path}`)]);
  if (arch.exitCode !== 0) throw new GitSourceError(commit, `git archive ${commit} failed: ${arch.stderr.trim()}`);
  const x = await runner('tar', ['-xf', tar, '-C', into]);
  if (x.exitCode !== 0) throw new GitSourceError(commit, `extracting ${commit} failed: ${x.stderr.trim()}`);
  rmSync(tar, { force: true });
  const top = resolve(into);
  for (const b of big) {
    const at = resolve(top, b.path);
    if (!at.startsWith(`${top}${sep}`)) continue; // git never lists such a path; never written if it did
    mkdirSync(dirname(at), { recursive: true });
    writeFileSync(at, '');
    truncateSync(at, b.size);
  }
}

/** Whether an extraction of `have` (folders; [] = the whole tree) contains everything `want` needs. */
export function covers(have: string[], want: string[]): boolean {
  if (!have.length) return true;
  if (!want.length) return false;
  return want.every((w) => have.some((h) => w === h || w.startsWith(`${h}/`)));
}
