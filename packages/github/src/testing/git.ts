import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * Real git repositories for tests: a bare repository as `origin`, clones of it, commits with a
 * fixed author, committer and date (so SHAs are reproducible), branches and pushes. Every call
 * runs `git` with an argv array (no shell) and an environment that ignores the machine's and the
 * user's git config. Temp folders are removed by `cleanupGitRepos()` (call it in afterEach/afterAll).
 */

export interface GitRepo {
  /** Working tree (or, for a bare origin, the repository) folder. */
  path: string;
}

export interface BareOrigin extends GitRepo {
  /** `file://` URL to clone from or push to. */
  url: string;
}

export class GitCommandError extends Error {
  override readonly name = 'GitCommandError';
  constructor(
    readonly args: readonly string[],
    readonly cwd: string,
    readonly exitCode: number | null,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super(`git ${args.join(' ')} (in ${cwd}) exited ${exitCode}: ${stderr.trim() || stdout.trim()}`);
  }
}

export const GIT_IDENTITY = { name: 'Carbon Test', email: 'carbon-test@example.invalid', date: '2026-01-01T00:00:00Z' } as const;

const tempDirs = new Set<string>();

function gitEnv(): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: tmpdir(),
    LANG: 'C',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    GIT_AUTHOR_NAME: GIT_IDENTITY.name,
    GIT_AUTHOR_EMAIL: GIT_IDENTITY.email,
    GIT_AUTHOR_DATE: GIT_IDENTITY.date,
    GIT_COMMITTER_NAME: GIT_IDENTITY.name,
    GIT_COMMITTER_EMAIL: GIT_IDENTITY.email,
    GIT_COMMITTER_DATE: GIT_IDENTITY.date,
  };
}

/** Runs `git <args>` in `cwd`; resolves to trimmed stdout, rejects with GitCommandError. */
export function git(cwd: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('git', ['-c', 'init.defaultBranch=main', '-c', 'commit.gpgsign=false', '-c', 'core.autocrlf=false', ...args], { cwd, env: gitEnv(), maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new GitCommandError(args, cwd, typeof error.code === 'number' ? error.code : null, stdout, stderr));
      else resolve(stdout.trim());
    });
  });
}

async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `carbon-git-${prefix}-`));
  tempDirs.add(dir);
  return dir;
}

/** An empty bare repository whose HEAD is `main`. */
export async function createBareOrigin(): Promise<BareOrigin> {
  const path = await tempDir('origin');
  await git(path, ['init', '--bare', '--quiet', '--initial-branch=main']);
  return { path, url: `file://${path}` };
}

/** A clone of `origin` (an empty origin gives an empty repo on `main`). */
export async function cloneRepo(origin: BareOrigin): Promise<GitRepo> {
  const parent = await tempDir('clone');
  const path = join(parent, 'repo');
  await git(parent, ['clone', '--quiet', origin.url, path]);
  return { path };
}

/** Writes `files` (path → text; `null` deletes), stages them and commits. Returns the new SHA. */
export async function commitFiles(repo: GitRepo, files: Record<string, string | null>, message: string): Promise<string> {
  for (const [relative, text] of Object.entries(files)) {
    if (relative.startsWith('/') || relative.split('/').includes('..')) throw new Error(`commitFiles: "${relative}" must be a path inside the repository`);
    const absolute = join(repo.path, relative);
    if (text === null) {
      await git(repo.path, ['rm', '--quiet', '--', relative]);
      continue;
    }
    await mkdir(dirname(absolute), { recursive: true });
    await writeFile(absolute, text);
    await git(repo.path, ['add', '--', relative]);
  }
  await git(repo.path, ['commit', '--quiet', '--allow-empty', '-m', message]);
  return git(repo.path, ['rev-parse', 'HEAD']);
}

/** Creates `branch` at `from` (default HEAD) and checks it out. */
export async function createBranch(repo: GitRepo, branch: string, from = 'HEAD'): Promise<void> {
  await git(repo.path, ['checkout', '--quiet', '-b', branch, from]);
}

export async function checkoutBranch(repo: GitRepo, branch: string): Promise<void> {
  await git(repo.path, ['checkout', '--quiet', branch]);
}

/** Pushes `branch` (default: the current one) to `origin`, setting upstream. */
export async function push(repo: GitRepo, branch?: string, options: { force?: boolean } = {}): Promise<void> {
  const name = branch ?? (await git(repo.path, ['rev-parse', '--abbrev-ref', 'HEAD']));
  await git(repo.path, ['push', '--quiet', '--set-upstream', ...(options.force ? ['--force'] : []), 'origin', `${name}:${name}`]);
}

export async function revParse(repo: GitRepo, rev: string): Promise<string> {
  return git(repo.path, ['rev-parse', rev]);
}

/** branch → sha, for a clone or a bare origin. */
export async function listBranches(repo: GitRepo): Promise<Record<string, string>> {
  const out = await git(repo.path, ['for-each-ref', '--format=%(refname:short) %(objectname)', 'refs/heads']);
  return Object.fromEntries(out.split('\n').filter(Boolean).map((line) => line.split(' ') as [string, string]));
}

/** Removes every temp folder these helpers created. */
export async function cleanupGitRepos(): Promise<void> {
  const dirs = [...tempDirs];
  tempDirs.clear();
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
}
