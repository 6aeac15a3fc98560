import type { CommentsApi, GitHubContext, IssueComment } from '@carbon/github';
import { describe, expect, it } from 'vitest';
import { run, type Inputs } from '../src/run.ts';

// run() with an in-memory CommentsApi: input rules and output mapping, no HTTP.
function memoryApi(): CommentsApi & { comments: IssueComment[] } {
  const comments: IssueComment[] = [];
  let id = 1;
  return {
    comments,
    listIssueComments: async () => [...comments],
    createIssueComment: async (_issue, body) => {
      const comment = { id: id++, body, author: 'github-actions[bot]', htmlUrl: `https://github.com/acme/platform/pull/5#issuecomment-${id}` };
      comments.push(comment);
      return comment;
    },
    updateIssueComment: async (commentId, body) => Object.assign(comments.find((c) => c.id === commentId)!, { body }),
    deleteIssueComment: async (commentId) => void comments.splice(comments.findIndex((c) => c.id === commentId), 1),
  };
}

const context = (event: GitHubContext['event']): GitHubContext => ({
  eventName: event.kind === 'other' ? event.eventName : event.kind,
  event,
  eventPath: '/dev/null',
  repository: { owner: 'acme', repo: 'platform', fullName: 'acme/platform' },
  sha: '',
  ref: '',
  workflow: '',
  runId: '',
  runAttempt: '1',
  actor: '',
  serverUrl: 'https://github.com',
  apiUrl: 'https://api.github.com',
  workspace: '/work',
});
const prEvent = context({ kind: 'pull_request', action: 'opened', pullRequest: { number: 5, title: '', draft: false, base: { sha: 'a', ref: 'main', repoFullName: 'acme/platform' }, head: { sha: 'b', ref: 'x', repoFullName: 'acme/platform' }, isFork: false } });
const inputs = (overrides: Partial<Inputs>): Inputs => ({ key: 'platform-diff', body: '', bodyFile: '', issueNumber: undefined, commentAuthor: 'github-actions[bot]', ...overrides });

describe('comment action run()', () => {
  it('maps the sticky comment result to outputs', async () => {
    const api = memoryApi();
    const { outputs } = await run(inputs({ body: 'hi' }), prEvent, { github: api, readFile: async () => '' });
    expect(outputs).toEqual({ 'comment-id': '1', 'comment-url': 'https://github.com/acme/platform/pull/5#issuecomment-2', parts: '1', outcome: 'created', deleted: '0' });
  });

  it('reads body-file relative to the workspace', async () => {
    const api = memoryApi();
    const seen: string[] = [];
    await run(inputs({ bodyFile: 'out/diff.md' }), prEvent, { github: api, readFile: async (path) => (seen.push(path), 'from file') });
    expect(seen).toEqual(['/work/out/diff.md']);
    expect(api.comments[0]!.body).toBe('<!-- carbon:platform-diff -->\nfrom file');
  });

  it('rejects both or neither of body and body-file, and a missing PR number outside pull_request', async () => {
    const deps = { github: memoryApi(), readFile: async () => '' };
    await expect(run(inputs({ body: 'a', bodyFile: 'b' }), prEvent, deps)).rejects.toThrow('input "body": give either');
    await expect(run(inputs({}), prEvent, deps)).rejects.toThrow('input "body": give "body" or "body-file"');
    await expect(run(inputs({ body: 'a' }), context({ kind: 'schedule', schedule: '* * * * *' }), deps)).rejects.toThrow('input "issue-number": is required when the event is "schedule"');
  });
});
