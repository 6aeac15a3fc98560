import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { checkoutBranch, cleanupGitRepos, cloneRepo, commitFiles, createBareOrigin, createBranch, git, GitCommandError, listBranches, push, revParse } from '../src/testing/index.ts';

afterAll(cleanupGitRepos);

describe('real git helpers', () => {
  it('bare origin + clone + commit + push + branch listed on origin, with reproducible SHAs', async () => {
    const origin = await createBareOrigin();
    const repo = await cloneRepo(origin);
    const first = await commitFiles(repo, { 'clusters/multi-node/pins.yaml': 'trino: aaa\n' }, 'Pin trino');
    await push(repo);
    await createBranch(repo, 'promote/trino');
    const second = await commitFiles(repo, { 'clusters/multi-node/pins.yaml': 'trino: bbb\n', 'audit/trino.log': 'promoted bbb\n' }, 'Promote trino to bbb');
    await push(repo, 'promote/trino');

    expect(await listBranches(origin)).toEqual({ main: first, 'promote/trino': second });
    expect(await git(origin.path, ['log', '--format=%an <%ae> %aI %s', 'promote/trino'])).toBe(
      ['Carbon Test <carbon-test@example.invalid> 2026-01-01T00:00:00+00:00 Promote trino to bbb', 'Carbon Test <carbon-test@example.invalid> 2026-01-01T00:00:00+00:00 Pin trino'].join('\n'),
    );

    // Same content, same identity, same date: the same commit, in any fresh repository.
    const again = await cloneRepo(await createBareOrigin());
    expect(await commitFiles(again, { 'clusters/multi-node/pins.yaml': 'trino: aaa\n' }, 'Pin trino')).toBe(first);

    const other = await cloneRepo(origin);
    await checkoutBranch(other, 'promote/trino');
    expect(await revParse(other, 'HEAD')).toBe(second);
    await commitFiles(other, { 'audit/trino.log': null }, 'Drop audit file');
    expect(existsSync(`${other.path}/audit/trino.log`)).toBe(false);
  });

  it('reports a failing git command with its arguments and stderr', async () => {
    const repo = await cloneRepo(await createBareOrigin());
    const error = await git(repo.path, ['checkout', 'no-such-branch']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitCommandError);
    expect((error as GitCommandError).message).toMatch(/git checkout no-such-branch .* exited 1: .*no-such-branch/);
    await expect(commitFiles(repo, { '../escape.txt': 'x' }, 'nope')).rejects.toThrow(/inside the repository/);
  });

  it('removes its temp folders on cleanup', async () => {
    const origin = await createBareOrigin();
    await cleanupGitRepos();
    expect(existsSync(origin.path)).toBe(false);
  });
});
