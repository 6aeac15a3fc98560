import { describe, expect, it } from 'vitest';
import {
  createGitHubAdapter,
  createOctokit,
  GITHUB_COMMENT_MAX_LENGTH,
  markerFor,
  renderStickyParts,
  splitMarkdown,
  StickyCommentError,
  upsertStickyComment,
} from '../src/index.ts';
import { FAST, REPO, useApiDouble } from './fixtures.ts';

describe('splitting long bodies', () => {
  it('keeps a short body in one part that starts with the marker', () => {
    expect(renderStickyParts('diff', 'hello')).toEqual(['<!-- carbon:diff -->\nhello']);
  });

  it('splits on line boundaries into numbered parts within the limit', () => {
    const body = Array.from({ length: 400 }, (_, i) => `line ${i} ${'x'.repeat(20)}`).join('\n');
    const parts = renderStickyParts('diff', body, 4_000);
    expect(parts.length).toBeGreaterThan(2);
    parts.forEach((part, index) => {
      expect(part.length).toBeLessThanOrEqual(4_000);
      expect(part.startsWith(`${markerFor('diff')}\n<!-- carbon:diff part ${index + 1}/${parts.length} -->\n`)).toBe(true);
      expect(part.endsWith(`part ${index + 1}/${parts.length}</sub>`)).toBe(true);
    });
    const rejoined = parts.map((p) => p.split('\n').slice(2, -2).join('\n')).join('\n');
    expect(rejoined.replace(/\n+/g, '\n')).toBe(body);
  });

  it('closes and reopens a code fence cut by a split', () => {
    const body = ['```diff', ...Array.from({ length: 300 }, (_, i) => `+ line ${i}`), '```', 'after'].join('\n');
    const chunks = splitMarkdown(body, 1_000);
    expect(chunks.length).toBeGreaterThan(2);
    for (const chunk of chunks) {
      const fences = chunk.split('\n').filter((line) => line.startsWith('```')).length;
      expect(fences % 2, chunk).toBe(0);
    }
    expect(chunks[1]!.startsWith('```diff\n')).toBe(true);
  });

  it('hard-splits a single line longer than the limit', () => {
    const chunks = splitMarkdown('y'.repeat(5_000), 1_000);
    expect(chunks.every((chunk) => chunk.length <= 1_000)).toBe(true);
    expect(chunks.join('')).toBe('y'.repeat(5_000));
  });

  it('rejects keys that could break out of the HTML comment', () => {
    expect(() => markerFor('x -->')).toThrow(StickyCommentError);
  });
});

describe('upsertStickyComment against the API double', () => {
  const f = useApiDouble({ checkViolations: true });

  const upsert = (body: string, extra: { author?: string } = {}) => upsertStickyComment(f.github, { issueNumber: f.pr, key: 'diff', body, createRetryDelayMs: 1, ...extra });

  it('creates, then updates in place, then reports unchanged', async () => {
    expect((await upsert('one')).outcome).toBe('created');
    const second = await upsert('two');
    expect(second.outcome).toBe('updated');
    expect((await upsert('two')).outcome).toBe('unchanged');
    expect(f.double.comments(REPO, f.pr).map((c) => c.body)).toEqual(['<!-- carbon:diff -->\ntwo']);
    expect(f.double.requestsFor('issues/create-comment')).toHaveLength(1);
    expect(f.double.requestsFor('issues/update-comment')).toHaveLength(1);
  });

  it('leaves other keys and comments quoting the marker alone', async () => {
    await f.github.createIssueComment(f.pr, '> <!-- carbon:diff -->\n> quoted by a reviewer');
    await upsertStickyComment(f.github, { issueNumber: f.pr, key: 'validate', body: 'other key' });
    await upsert('mine');
    await upsert('mine, again');
    expect(f.double.comments(REPO, f.pr)).toHaveLength(3);
  });

  it('only adopts comments by the expected author', async () => {
    await upsert('posted by the bot');
    const result = await upsert('someone else', { author: 'renovate[bot]' });
    expect(result.outcome).toBe('created');
    expect(f.double.comments(REPO, f.pr)).toHaveLength(2);
  });

  it('splits a body over 65,536 characters and deletes stale parts on a shorter re-run', async () => {
    const long = Array.from({ length: 3_000 }, (_, i) => `- resource ${i}: ${'z'.repeat(40)}`).join('\n');
    const first = await upsert(long);
    expect(first.parts.length).toBe(3);
    expect(f.double.comments(REPO, f.pr).every((c) => c.body.length <= GITHUB_COMMENT_MAX_LENGTH)).toBe(true);
    const short = await upsert('now short');
    expect(short.outcome).toBe('updated');
    expect(short.parts).toMatchObject([{ part: 1, commentId: first.parts[0]!.commentId, action: 'updated' }]);
    expect(short.deleted.sort()).toEqual([first.parts[1]!.commentId, first.parts[2]!.commentId].sort());
    expect(f.double.comments(REPO, f.pr).map((c) => c.body)).toEqual(['<!-- carbon:diff -->\nnow short']);
  });
});

describe('retries', () => {
  const f = useApiDouble({ checkViolations: true });

  const createPath = '/repos/{owner}/{repo}/issues/{issue_number}/comments';

  it('a 500 on "create comment" that GitHub did not apply: one retry, exactly one comment', async () => {
    f.double.injectFault({ method: 'POST', path: createPath, status: 500 });
    const result = await upsertStickyComment(f.github, { issueNumber: f.pr, key: 'diff', body: 'hello', createRetryDelayMs: 1 });
    expect(result.outcome).toBe('created');
    expect(f.double.comments(REPO, f.pr)).toHaveLength(1);
    expect(f.double.requestsFor('issues/create-comment').map((r) => r.status)).toEqual([500, 201]);
  });

  it('a 502 on "create comment" that GitHub DID apply: re-lists by marker and adopts it instead of posting twice', async () => {
    f.double.injectFault({ method: 'POST', path: createPath, status: 502, afterHandling: true });
    const result = await upsertStickyComment(f.github, { issueNumber: f.pr, key: 'diff', body: 'hello', createRetryDelayMs: 1 });
    expect(f.double.comments(REPO, f.pr)).toHaveLength(1);
    expect(result.parts[0]!.commentId).toBe(f.double.comments(REPO, f.pr)[0]!.id);
    expect(f.double.requestsFor('issues/create-comment').map((r) => r.status)).toEqual([502]);
    expect(f.double.requestsFor('issues/list-comments')).toHaveLength(2);
  });

  it('without the marker rule a retried create would duplicate (the fault really applies the write)', async () => {
    f.double.injectFault({ method: 'POST', path: createPath, status: 502, afterHandling: true });
    await f.github.createIssueComment(f.pr, 'x').catch(() => undefined);
    await f.github.createIssueComment(f.pr, 'x');
    expect(f.double.comments(REPO, f.pr)).toHaveLength(2);
  });

  it('retries idempotent requests after a 5xx', async () => {
    f.double.injectFault({ method: 'GET', path: /\/comments$/, status: 502, times: 2 });
    expect(await f.github.listIssueComments(f.pr)).toEqual([]);
    expect(f.double.requestsFor('issues/list-comments').map((r) => r.status)).toEqual([502, 502, 200]);
  });

  it('waits out a 403 secondary rate limit with retry-after and retries an idempotent write', async () => {
    const slowOctokit = createOctokit({ token: 't', baseUrl: f.double.url, tuning: { ...FAST, baseDelayMs: 50 } });
    const slow = createGitHubAdapter(slowOctokit, { owner: 'acme', repo: 'platform', fullName: REPO });
    const comment = await slow.createIssueComment(f.pr, 'before');
    f.double.injectFault({ method: 'PATCH', path: '/repos/{owner}/{repo}/issues/comments/{comment_id}', status: 403, retryAfter: 1 });
    const started = Date.now();
    await slow.updateIssueComment(comment.id, 'after the limit');
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    expect(f.double.requestsFor('issues/update-comment').map((r) => r.status)).toEqual([403, 200]);
    expect(f.double.comments(REPO, f.pr).map((c) => c.body)).toEqual(['after the limit']);
  });

  it('a create answered with a 403 rate limit is not retried by the client (GitHub may have stored it)', async () => {
    f.double.injectFault({ method: 'POST', path: createPath, status: 403, retryAfter: 1, afterHandling: true });
    const error = await f.github.createIssueComment(f.pr, 'x').catch((e: unknown) => e);
    expect((error as { status: number }).status).toBe(403);
    expect(f.double.requestsFor('issues/create-comment').map((r) => r.status)).toEqual([403]);
    expect(f.double.comments(REPO, f.pr)).toHaveLength(1);
  });

  for (const afterHandling of [true, false]) {
    it(`a 403 rate limit on "create comment" that GitHub ${afterHandling ? 'DID' : 'did not'} store: one comment (re-listed by marker first)`, async () => {
      f.double.injectFault({ method: 'POST', path: createPath, status: 403, retryAfter: 1, afterHandling });
      const result = await upsertStickyComment(f.github, { issueNumber: f.pr, key: 'diff', body: 'hello', createRetryDelayMs: 1 });
      expect(f.double.comments(REPO, f.pr)).toHaveLength(1);
      expect(result.parts[0]!.commentId).toBe(f.double.comments(REPO, f.pr)[0]!.id);
      expect(f.double.requestsFor('issues/create-comment').map((r) => r.status)).toEqual(afterHandling ? [403] : [403, 201]);
    });
  }

  it('a 403 that is not a rate limit (no permission) is not retried', async () => {
    const error = await upsertStickyComment(
      { ...f.github, createIssueComment: () => Promise.reject(Object.assign(new Error('Resource not accessible by integration'), { status: 403, response: { headers: {} } })) },
      { issueNumber: f.pr, key: 'diff', body: 'hello', createRetryDelayMs: 1 },
    ).catch((e: unknown) => e);
    expect((error as { status: number }).status).toBe(403);
    expect(f.double.requestsFor('issues/list-comments')).toHaveLength(1);
  });

  it('a 429 secondary rate limit is retried too, and gives up after the configured retries', async () => {
    f.double.injectFault({ method: 'GET', path: /\/comments$/, status: 429, retryAfter: 1, times: 100 });
    const error = await f.github.listIssueComments(f.pr).catch((e: unknown) => e);
    expect((error as { status: number }).status).toBe(429);
    expect(f.double.requestsFor('issues/list-comments')).toHaveLength(3);
  });

  it('does not retry a 404', async () => {
    const error = await f.github.updateIssueComment(424242, 'x').catch((e: unknown) => e);
    expect((error as { status: number }).status).toBe(404);
    expect(f.double.requests).toHaveLength(1);
  });
});
