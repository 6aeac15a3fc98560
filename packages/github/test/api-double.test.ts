import { describe, expect, it } from 'vitest';
import { ApiDoubleViolationError, responseSchemaOf, validateSchema } from '../src/testing/index.ts';
import { REPO, useApiDouble } from './fixtures.ts';

describe('GitHub API double', () => {
  const f = useApiDouble({ seed: { branches: { main: 'a'.repeat(40), 'promote/trino': 'b'.repeat(40) }, files: { 'main:clusters/multi-node/pins.yaml': 'trino: abc\n' } } });

  it('records a violation and answers 422 when a required body field is missing (create PR without head)', async () => {
    const error = await f.octokit.request('POST /repos/{owner}/{repo}/pulls', { owner: 'acme', repo: 'platform', title: 'x', base: 'main' } as never).catch((e: unknown) => e);
    expect((error as { status: number }).status).toBe(422);
    expect(f.double.violations).toHaveLength(1);
    expect(f.double.violations[0]).toMatchObject({ kind: 'invalid-body', operationId: 'pulls/create' });
    expect(f.double.violations[0]!.problems.map((p) => p.message).join()).toContain('head');
    expect(() => f.double.assertNoViolations()).toThrow(ApiDoubleViolationError);
  });

  it('records wrong body types and enum values', async () => {
    await f.octokit.request('POST /repos/{owner}/{repo}/statuses/{sha}', { owner: 'acme', repo: 'platform', sha: 'a'.repeat(40), state: 'green' as never }).catch(() => undefined);
    await f.octokit.request('PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}', { owner: 'acme', repo: 'platform', comment_id: 1, body: 42 as never }).catch(() => undefined);
    expect(f.double.violations.map((v) => [v.kind, v.operationId])).toEqual([
      ['invalid-body', 'repos/create-commit-status'],
      ['invalid-body', 'issues/update-comment'],
    ]);
    expect(f.double.violations[0]!.problems[0]!.message).toContain('must be one of');
  });

  it('answers 404 and records a violation for an endpoint GitHub does not have', async () => {
    const error = await f.octokit.request('GET /repos/{owner}/{repo}/no-such-thing', { owner: 'acme', repo: 'platform' }).catch((e: unknown) => e);
    expect((error as { status: number }).status).toBe(404);
    expect(f.double.violations).toMatchObject([{ kind: 'unknown-endpoint', path: '/repos/acme/platform/no-such-thing' }]);
  });

  it('records a violation for an unknown query parameter and a non-numeric path parameter', async () => {
    await f.octokit.request('GET /repos/{owner}/{repo}/pulls', { owner: 'acme', repo: 'platform', colour: 'blue' } as never).catch(() => undefined);
    await f.octokit.request('GET /repos/{owner}/{repo}/pulls/{pull_number}', { owner: 'acme', repo: 'platform', pull_number: 'seven' as never }).catch(() => undefined);
    expect(f.double.violations.map((v) => v.kind)).toEqual(['invalid-query', 'invalid-path-param']);
  });

  it('round-trips comments, pull requests, labels, statuses, check runs, refs and contents with schema-valid responses', async () => {
    const pr = await f.github.createPullRequest({ title: 'Promote trino', head: 'promote/trino', base: 'main', body: 'pins trino' });
    expect(pr).toMatchObject({ number: 2, state: 'open', head: { ref: 'promote/trino', sha: 'b'.repeat(40) }, base: { ref: 'main' } });
    expect(await f.github.findOpenPullRequestByHead('promote/trino')).toMatchObject({ number: pr.number });
    expect(await f.github.findOpenPullRequestByHead('promote/other')).toBeUndefined();

    const comment = await f.github.createIssueComment(pr.number, 'hello');
    await f.github.updateIssueComment(comment.id, 'hello again');
    expect((await f.github.listIssueComments(pr.number)).map((c) => [c.body, c.author])).toEqual([['hello again', 'github-actions[bot]']]);
    await f.github.deleteIssueComment(comment.id);
    expect(await f.github.listIssueComments(pr.number)).toEqual([]);

    expect(await f.github.addLabels(pr.number, ['promotion', 'trino'])).toEqual(['promotion', 'trino']);
    await f.github.createCommitStatus(pr.head.sha, { state: 'success', context: 'platform/validate', description: 'ok' });
    const check = await f.github.createCheckRun({ name: 'platform diff', headSha: pr.head.sha, conclusion: 'success', output: { title: 'diff', summary: '2 changes' } });
    expect(check.id).toBeGreaterThan(0);
    expect(await f.github.getRef('heads/main')).toEqual({ ref: 'refs/heads/main', sha: 'a'.repeat(40) });
    expect(await f.github.getRef('heads/nope')).toBeUndefined();
    expect(await f.github.getFileContents('clusters/multi-node/pins.yaml')).toMatchObject({ kind: 'file', text: 'trino: abc\n' });
    expect(await f.github.getFileContents('missing.yaml')).toEqual({ kind: 'missing', path: 'missing.yaml' });

    const updated = await f.github.updatePullRequest(pr.number, { title: 'Promote trino to abc' });
    expect(updated.title).toBe('Promote trino to abc');
    expect(await f.github.mergePullRequest(pr.number, { method: 'squash', sha: pr.head.sha })).toMatchObject({ merged: true });
    expect((await f.github.getPullRequest(pr.number)).merged).toBe(true);
    expect((await f.github.getRef('heads/main'))?.sha).not.toBe('a'.repeat(40));

    expect(f.double.labels(REPO, pr.number)).toEqual(['promotion', 'trino']);
    expect(f.double.statuses(REPO)).toMatchObject([{ state: 'success', context: 'platform/validate' }]);
    expect(f.double.requests.every((r) => r.operationId !== undefined)).toBe(true);
    f.double.assertNoViolations();
  });

  it('answers like GitHub for semantic errors without calling them violations', async () => {
    const missing = await f.github.createIssueComment(99, 'x').catch((e: unknown) => e);
    expect((missing as { status: number }).status).toBe(404);
    await f.github.createPullRequest({ title: 'a', head: 'promote/trino', base: 'main' });
    const duplicate = await f.github.createPullRequest({ title: 'b', head: 'promote/trino', base: 'main' }).catch((e: unknown) => e);
    expect((duplicate as { status: number }).status).toBe(422);
    f.double.assertNoViolations();
  });

  it('rejects a comment body over 65,536 characters the way GitHub does', async () => {
    const issue = f.double.seedIssue(REPO);
    const error = await f.github.createIssueComment(issue, 'x'.repeat(65_537)).catch((e: unknown) => e);
    expect((error as { status: number }).status).toBe(422);
    expect(f.double.violations).toMatchObject([{ kind: 'invalid-body', operationId: 'issues/create-comment' }]);
  });

  it('binds to 127.0.0.1 only', () => {
    expect(new URL(f.double.url).hostname).toBe('127.0.0.1');
  });

  it('validates responses too: a body GitHub would never send is reported', () => {
    const schema = responseSchemaOf('POST', '/repos/{owner}/{repo}/issues/{issue_number}/comments', 201);
    const problems = validateSchema('test:create-comment:201', schema, { id: 'one', body: 'x' });
    expect(problems.map((p) => p.message)).toEqual(expect.arrayContaining(["must have required property 'node_id'", 'must be integer']));
  });
});
