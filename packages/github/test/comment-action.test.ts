import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GITHUB_COMMENT_MAX_LENGTH } from '../src/index.ts';
import { REPO } from './fixtures.ts';
import { inputEnvName, parseAnnotations, parseOutputFile, runAction, startApiDouble, type ApiDouble } from '../src/testing/index.ts';

const ACTION_DIR = resolve(import.meta.dirname, '../../../.github/actions/comment');

describe('the bundled comment action, run like the runner runs it, against the API double', () => {
  let double: ApiDouble;
  let workspace: string;
  let pr: number;

  beforeAll(async () => {
    double = await startApiDouble();
    double.seedRepo(REPO);
    pr = double.seedPullRequest(REPO, { head: 'bump-trino' });
    workspace = await mkdtemp(join(tmpdir(), 'carbon-comment-ws-'));
  });
  afterAll(async () => {
    await double.close();
    await rm(workspace, { recursive: true, force: true });
  });

  const event = () => ({
    action: 'synchronize',
    pull_request: {
      number: pr,
      title: 'Bump trino',
      base: { sha: 'a'.repeat(40), ref: 'main', repo: { full_name: REPO } },
      head: { sha: 'b'.repeat(40), ref: 'bump-trino', repo: { full_name: REPO } },
    },
  });
  const run = (inputs: Record<string, string>, eventName = 'pull_request', payload: unknown = event()) =>
    runAction({
      actionDir: ACTION_DIR,
      // No `token` input: action.yml's `${{ github.token }}` default applies, as on the runner.
      inputs: { key: 'platform-diff', ...inputs },
      eventName,
      event: payload,
      cwd: workspace,
      repository: REPO,
      env: { GITHUB_API_URL: double.url, CARBON_GITHUB_RETRY_BASE_MS: '1', CARBON_GITHUB_WRITE_INTERVAL_MS: '0' },
    });

  let firstId = '';

  it('first run creates the comment', async () => {
    const result = await run({ body: '## Diff\n\nno changes' });
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    expect(result.outputs).toMatchObject({ outcome: 'created', parts: '1', deleted: '0' });
    firstId = result.outputs['comment-id']!;
    expect(result.outputs['comment-url']).toBe(`https://github.com/${REPO}/pull/${pr}#issuecomment-${firstId}`);
    expect(result.summary).toContain('### Sticky comment `platform-diff` on #1: created');
    expect(double.comments(REPO, pr).map((c) => c.body)).toEqual(['<!-- carbon:platform-diff -->\n## Diff\n\nno changes']);
    expect(double.requests.map((r) => `${r.method} ${r.operationId} ${r.status}`)).toEqual(['GET issues/list-comments 200', 'POST issues/create-comment 201']);
  });

  it('second run with a new body updates the same comment', async () => {
    const before = double.requests.length;
    const result = await run({ body: '## Diff\n\n1 change' });
    expect(result.exitCode).toBe(0);
    expect(result.outputs).toMatchObject({ outcome: 'updated', 'comment-id': firstId, parts: '1' });
    expect(double.comments(REPO, pr)).toHaveLength(1);
    expect(double.requests.slice(before).map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      `GET /repos/${REPO}/issues/${pr}/comments 200`,
      `PATCH /repos/${REPO}/issues/comments/${firstId} 200`,
    ]);
    expect(double.requests.at(-1)!.body).toEqual({ body: '<!-- carbon:platform-diff -->\n## Diff\n\n1 change' });
  });

  it('a body over GitHub\'s limit (from body-file) is split into numbered parts', async () => {
    const long = Array.from({ length: 4_000 }, (_, i) => `| trino | Deployment/trino-worker-${i} | replicas 2 → 3 |`).join('\n');
    await writeFile(join(workspace, 'diff.md'), long);
    const result = await run({ 'body-file': 'diff.md' });
    expect(result.exitCode).toBe(0);
    const comments = double.comments(REPO, pr);
    expect(result.outputs).toMatchObject({ outcome: 'updated', 'comment-id': firstId, parts: String(comments.length) });
    expect(comments.length).toBeGreaterThanOrEqual(3);
    comments.forEach((comment, index) => {
      expect(comment.body.length).toBeLessThanOrEqual(GITHUB_COMMENT_MAX_LENGTH);
      expect(comment.body).toContain(`part ${index + 1}/${comments.length}`);
    });
    expect(result.summary).toMatch(/\| 3 \| \[\d+\]\(.+\) \| created \|/);
  });

  it('a re-run with a short body updates part 1 and deletes the stale parts', async () => {
    const stale = double.comments(REPO, pr).slice(1).map((c) => c.id);
    const before = double.requests.length;
    const result = await run({ body: 'all clean now' });
    expect(result.exitCode).toBe(0);
    expect(result.outputs).toMatchObject({ outcome: 'updated', 'comment-id': firstId, parts: '1', deleted: String(stale.length) });
    expect(double.comments(REPO, pr).map((c) => c.body)).toEqual(['<!-- carbon:platform-diff -->\nall clean now']);
    const deletes = double.requests.slice(before).filter((r) => r.method === 'DELETE');
    expect(deletes.map((r) => r.path)).toEqual(stale.map((id) => `/repos/${REPO}/issues/comments/${id}`));
    expect(result.summary).toContain(`Deleted ${stale.length} stale part(s).`);
  });

  it('fails with an error annotation when it cannot tell which PR to comment on', async () => {
    const result = await run({ body: 'x' }, 'push', { ref: 'refs/heads/main', before: '1'.repeat(40), after: '2'.repeat(40) });
    expect(result.exitCode).toBe(1);
    expect(result.annotations).toEqual([{ level: 'error', message: 'input "issue-number": is required when the event is "push" (only pull_request events carry a PR number)' }]);
  });

  it('takes issue-number explicitly (the workflow_run path) and never made a request GitHub would reject', async () => {
    const issue = double.seedIssue(REPO);
    const result = await run({ body: 'from workflow_run', 'issue-number': String(issue) }, 'workflow_run', {
      action: 'completed',
      workflow_run: { id: 7, name: 'pr', event: 'pull_request', conclusion: 'success', head_sha: 'b'.repeat(40), head_branch: 'bump-trino', head_repository: { full_name: REPO } },
    });
    expect(result.exitCode).toBe(0);
    expect(double.comments(REPO, issue)).toHaveLength(1);
    double.assertNoViolations();
  });

  for (const afterHandling of [true, false]) {
    it(`a create answered 403 rate-limited (${afterHandling ? 'stored' : 'not stored'}): exactly one comment (found by its marker before any second create)`, async () => {
      const issue = double.seedIssue(REPO);
      const before = double.requests.length;
      double.injectFault({ method: 'POST', path: '/repos/{owner}/{repo}/issues/{issue_number}/comments', status: 403, retryAfter: 0, afterHandling });
      const result = await run({ body: 'rate limited', 'issue-number': String(issue) }, 'workflow_run', {
        action: 'completed',
        workflow_run: { id: 8, name: 'pr', event: 'pull_request', conclusion: 'success', head_sha: 'b'.repeat(40), head_branch: 'bump-trino', head_repository: { full_name: REPO } },
      });
      expect(result.exitCode).toBe(0);
      expect(double.comments(REPO, issue)).toHaveLength(1);
      const creates = double.requests.slice(before).filter((r) => r.operationId === 'issues/create-comment').map((r) => r.status);
      expect(creates).toEqual(afterHandling ? [403] : [403, 201]);
    });
  }
});

describe('runner protocol parsing', () => {
  it('maps input names like the runner', () => {
    expect(inputEnvName('body-file')).toBe('INPUT_BODY-FILE');
    expect(inputEnvName('my input')).toBe('INPUT_MY_INPUT');
  });

  it('parses GITHUB_OUTPUT name=value and heredoc forms', () => {
    const text = 'a=1\nb<<ghadelimiter_123\nline 1\nline 2\nghadelimiter_123\nc=x=y\n';
    expect(parseOutputFile(text)).toEqual({ a: '1', b: 'line 1\nline 2', c: 'x=y' });
    expect(() => parseOutputFile('b<<EOF\nnever closed\n')).toThrow(/no closing delimiter/);
  });

  it('parses annotations with escaped properties and messages', () => {
    const stdout = 'hello\n::error file=apps/trino/deploy/a.yaml,line=3,col=5,title=Policy%3A no-root::must run as non-root%0Asecond line\n::warning::careful\n::notice file=x%2Cy::n\n::debug::ignored\n';
    expect(parseAnnotations(stdout)).toEqual([
      { level: 'error', file: 'apps/trino/deploy/a.yaml', line: 3, col: 5, title: 'Policy: no-root', message: 'must run as non-root\nsecond line' },
      { level: 'warning', message: 'careful' },
      { level: 'notice', file: 'x,y', message: 'n' },
    ]);
  });
});
