import { exec, ExecError, type Runner } from '@carbon/toolchain';

/**
 * Git behind a thin adapter: argv arrays only (no shell), every call goes through one Runner so
 * tests can assert that a rejected event caused no process at all.
 */

export const BOT_IDENTITY = { name: 'platform-promote[bot]', email: 'platform-promote@users.noreply.github.com' } as const;

export interface Git {
  readonly root: string;
  run(args: readonly string[], options?: { cwd?: string; input?: string }): Promise<string>;
  /** Exit code only (0/1), for --is-ancestor, --quiet and friends; other codes throw. */
  test(args: readonly string[], options?: { cwd?: string }): Promise<boolean>;
  isCommit(rev: string): Promise<boolean>;
  isAncestor(ancestor: string, descendant: string): Promise<boolean>;
  /** True when `paths` differ between two commits. */
  differs(from: string, to: string, paths: readonly string[]): Promise<boolean>;
  showFile(rev: string, path: string): Promise<string | undefined>;
}

export function createGit(root: string, runner: Runner = exec): Git {
  const base = ['-c', 'core.quotepath=off', '-c', 'commit.gpgsign=false', '-c', `user.name=${BOT_IDENTITY.name}`, '-c', `user.email=${BOT_IDENTITY.email}`];
  const call = (args: readonly string[], cwd = root, input?: string) =>
    runner('git', [...base, ...args], { cwd, env: { GIT_TERMINAL_PROMPT: '0', LANG: 'C' }, ...(input !== undefined ? { input } : {}) });
  const git: Git = {
    root,
    async run(args, options = {}) {
      const result = await call(args, options.cwd, options.input);
      if (result.exitCode !== 0) throw new ExecError('git', args, result);
      return result.stdout.trimEnd();
    },
    async test(args, options = {}) {
      const result = await call(args, options.cwd);
      if (result.exitCode === 0) return true;
      if (result.exitCode === 1) return false;
      throw new ExecError('git', args, result);
    },
    async isCommit(rev) {
      const result = await call(['cat-file', '-e', `${rev}^{commit}`]);
      return result.exitCode === 0;
    },
    isAncestor: (ancestor, descendant) => git.test(['merge-base', '--is-ancestor', ancestor, descendant]),
    async differs(from, to, paths) {
      return !(await git.test(['diff', '--quiet', from, to, '--', ...paths]));
    },
    async showFile(rev, path) {
      const result = await call(['show', `${rev}:${path}`]);
      return result.exitCode === 0 ? result.stdout : undefined;
    },
  };
  return git;
}
