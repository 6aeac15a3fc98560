import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGitHubAdapter, createOctokit, type GitHubAdapter, type GitHubClient } from '../src/index.ts';
import { ApiDoubleViolationError, startApiDouble, type ApiDouble } from '../src/testing/index.ts';

const REPO = 'acme/platform';
const fast = { baseDelayMs: 1, minWriteIntervalMs: 0, minNotificationIntervalMs: 0 };

describe('GitHub API double', () => {
  let double: ApiDouble;
  let octokit: GitHubClient;
  let github: GitHubAdapter;

  beforeEach(async () => {
    double = await startApiDouble();
    double.seedRepo(REPO, { branches: { main: 'a'.repeat(40), 'promote/trino': 'b'.repeat(40) }, files: { 'main:clusters/multi-node/pins.yaml': 'trino: abc\n' } });
    octokit = createOctokit({ token: 't0ken', baseUrl: double.url, tuning: fast });
    github = createGitHubAdapter(octokit, { owner: 'acme', repo: 'platform', fullName: REPO });
  });
  afterEach(async () => {
    await double.close();
  });

  it('records a violation and answers 422 when a required body field is missing (create PR without head)', async () => {
    const error = await octokit.request('POST /repos/{owner}/{repo}/pulls', { owner: 'acme', repo: 'platform', title: 'x', base: 'main' } as never).catch((e: unknown) => e);
    expect((error as { status: number }).status).toBe(422);
    expect(double.violations).toHaveLength(1);
    expect(double.violations[0]).toMatchObject({ kind: 'invalid-body', operationId: 'pulls/create' });
    expect(double.violations[0]!.problems.map((p) => p.message).join()).toContain('head');
    expect(() => double.assertNoViolations()).toThrow(ApiDoubleViolationError);
  });

  it('records wrong body types and enum values', async () => {
    await octokit.request('POST /repos/{owner}/{repo}/statuses/{sha}', { owner: 'acme', repo: 'platform', sha: 'a'.repeat(40), state: 'green' as never }).catch(() => undefined);
    await octokit.request('PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}', { owner: 'acme', repo: 'platform', comment_id: 1, body: 42 as never }).catch(() => undefined);
    expect(double.violations.map((v) => [v.kind, v.operationId])).toEqual([
      ['invalid-body', 'repos/create-commit-status'],
      ['invalid-body', 'issues/update-comment'],
    ]);
    expect(double.violations[0]!.problems[0]!.message).toContain('must be one of');
  });

  it('answers 404 and records a violation for an endpoint GitHub does not have', async () => {
    const error = await octokit.request('GET /repos/{owner}/{repo}/no-such-thing', { owner: 'acme', repo: 'platform' }).catch((e: unknown) => e);
    expect((error as { status: number }).status).toBe(404);
    expect(double.violations).toMatchObject([{ kind: 'unknown-endpoint', path: '/repos/acme/platform/no-such-thing' }]);
  });

  it('records a violation for an unknown query parameter and a non-numeric path parameter', async () => {
    await octokit.request('GET /repos/{owner}/{repo}/pulls', { owner: 'acme', repo: 'platform', colour: 'blue' } as never).catch(() => undefined);
    await octokit.request('GET /repos/{owner}/{repo}/pulls/{pull_number}', { owner: 'acme', repo: 'platform', pull_number: 'seven' as never }).catch(() => undefined);
    expect(double.violations.map((v) => v.kind)).toEqual(['invalid-query', 'invalid-path-param']);
  });

  it('round-trips comments, pull requests, labels, statuses, check runs, refs and contents with schema-valid responses', async () => {
    const pr = await github.createPullRequest({ title: 'Promote trino', head: 'promote/trino', base: 'main', body: 'pins trino' });
    expect(pr).toMatchObject({ number: 1, state: 'open', head: { ref: 'promote/trino', sha: 'b'.repeat(40) }, base: { ref: 'main' } });
    expect(await github.findOpenPullRequestByHead('promote/trino')).toMatchObject({ number: pr.number });
    expect(await github.findOpenPullRequestByHead('promote/other')).toBeUndefined();

    const comment = await github.createIssueComment(pr.number, 'hello');
    await github.updateIssueComment(comment.id, 'hello again');
    expect((await github.listIssueComments(pr.number)).map((c) => [c.body, c.author])).toEqual([['hello again', 'github-actions[bot]']]);
    await github.deleteIssueComment(comment.id);
    expect(await github.listIssueComments(pr.number)).toEqual([]);

    expect(await github.addLabels(pr.number, ['promotion', 'trino'])).toEqual(['promotion', 'trino']);
    await github.createCommitStatus(pr.head.sha, { state: 'success', context: 'platform/validate', description: 'ok' });
    const check = await github.createCheckRun({ name: 'platform diff', headSha: pr.head.sha, conclusion: 'success', output: { title: 'diff', summary: '2 changes' } });
    expect(check.id).toBeGreaterThan(0);
    expect(await github.getRef('heads/main')).toEqual({ ref: 'refs/heads/main', sha: 'a'.repeat(40) });
    expect(await github.getRef('heads/nope')).toBeUndefined();
    expect(await github.getFileContents('clusters/multi-node/pins.yaml')).toMatchObject({ kind: 'file', text: 'trino: abc\n' });
    expect(await github.getFileContents('missing.yaml')).toEqual({ kind: 'missing', path: 'missing.yaml' });

    const updated = await github.updatePullRequest(pr.number, { title: 'Promote trino to abc' });
    expect(updated.title).toBe('Promote trino to abc');
    expect(await github.mergePullRequest(pr.number, { method: 'squash', sha: pr.head.sha })).toMatchObject({ merged: true });
    expect((await github.getPullRequest(pr.number)).merged).toBe(true);
    expect((await github.getRef('heads/main'))?.sha).not.toBe('a'.repeat(40));

    expect(double.labels(REPO, pr.number)).toEqual(['promotion', 'trino']);
    expect(double.statuses(REPO)).toMatchObject([{ state: 'success', context: 'platform/validate' }]);
    expect(double.requests.every((r) => r.operationId !== undefined)).toBe(true);
    double.assertNoViolations();
  });

  it('answers like GitHub for semantic errors without calling them violations', async () => {
    const missing = await github.createIssueComment(99, 'x').catch((e: unknown) => e);
    expect((missing as { status: number }).status).toBe(404);
    await github.createPullRequest({ title: 'a', head: 'promote/trino', base: 'main' });
    const duplicate = await github.createPullRequest({ title: 'b', head: 'promote/trino', base: 'main' }).catch((e: unknown) => e);
    expect((duplicate as { status: number }).status).toBe(422);
    double.assertNoViolations();
  });

  it('rejects a comment body over 65,536 characters the way GitHub does', async () => {
    const issue = double.seedIssue(REPO);
    const error = await github.createIssueComment(issue, 'x'.repeat(65_537)).catch((e: unknown) => e);
    expect((error as { status: number }).status).toBe(422);
    expect(double.violations).toMatchObject([{ kind: 'invalid-body', operationId: 'issues/create-comment' }]);
  });

  it('binds to 127.0.0.1 only', () => {
    expect(new URL(double.url).hostname).toBe('127.0.0.1');
  });
});
