import type { RepoRef } from './context.ts';
import type { GitHubClient } from './octokit.ts';

/**
 * The few GitHub operations the platform's actions need, typed and thin: no business logic.
 * Creates (comments, pull requests, check runs) are sent with automatic 5xx retries off:
 * a create that failed with a 5xx may still have happened, so the caller decides (see
 * sticky-comment.ts, which re-lists by marker before creating again).
 */

export interface IssueComment {
  id: number;
  body: string;
  author: string;
  htmlUrl: string;
}

export interface PullRequest {
  number: number;
  state: 'open' | 'closed';
  title: string;
  body: string;
  head: { ref: string; sha: string };
  base: { ref: string; sha: string };
  merged: boolean;
  htmlUrl: string;
  labels: string[];
}

export interface CreatePullRequest {
  title: string;
  head: string;
  base: string;
  body?: string;
  draft?: boolean;
}

export type CommitState = 'error' | 'failure' | 'pending' | 'success';
export type CheckConclusion = 'action_required' | 'cancelled' | 'failure' | 'neutral' | 'success' | 'skipped' | 'timed_out';
export type MergeMethod = 'merge' | 'squash' | 'rebase';

export interface CheckRunOutput {
  title: string;
  summary: string;
  text?: string;
}

export type FileContents = { kind: 'file'; path: string; sha: string; text: string } | { kind: 'missing'; path: string };

export interface GitHubAdapter {
  listIssueComments(issueNumber: number): Promise<IssueComment[]>;
  createIssueComment(issueNumber: number, body: string): Promise<IssueComment>;
  updateIssueComment(commentId: number, body: string): Promise<IssueComment>;
  deleteIssueComment(commentId: number): Promise<void>;
  listPullRequests(filter?: { state?: 'open' | 'closed' | 'all'; head?: string; base?: string }): Promise<PullRequest[]>;
  /** The open PR whose head is `branch` in this repository, if any. */
  findOpenPullRequestByHead(branch: string): Promise<PullRequest | undefined>;
  getPullRequest(number: number): Promise<PullRequest>;
  createPullRequest(input: CreatePullRequest): Promise<PullRequest>;
  updatePullRequest(number: number, patch: { title?: string; body?: string; state?: 'open' | 'closed'; base?: string }): Promise<PullRequest>;
  mergePullRequest(number: number, options?: { method?: MergeMethod; sha?: string; commitTitle?: string }): Promise<{ merged: boolean; sha: string }>;
  addLabels(issueNumber: number, labels: string[]): Promise<string[]>;
  createCommitStatus(sha: string, status: { state: CommitState; context: string; description?: string; targetUrl?: string }): Promise<{ id: number }>;
  createCheckRun(check: { name: string; headSha: string; conclusion: CheckConclusion; output?: CheckRunOutput; detailsUrl?: string }): Promise<{ id: number; htmlUrl: string }>;
  /** `ref` without `refs/`, e.g. `heads/main`; undefined when it does not exist. */
  getRef(ref: string): Promise<{ ref: string; sha: string } | undefined>;
  getFileContents(path: string, ref?: string): Promise<FileContents>;
}

const PER_PAGE = 100;
const NO_RETRY = { retries: 0 } as const;

export function createGitHubAdapter(octokit: GitHubClient, repository: RepoRef): GitHubAdapter {
  const repo = { owner: repository.owner, repo: repository.repo };

  return {
    async listIssueComments(issueNumber) {
      const all: IssueComment[] = [];
      for (let page = 1; ; page += 1) {
        const { data } = await octokit.request('GET /repos/{owner}/{repo}/issues/{issue_number}/comments', { ...repo, issue_number: issueNumber, per_page: PER_PAGE, page });
        all.push(...data.map(toComment));
        if (data.length < PER_PAGE) return all;
      }
    },
    async createIssueComment(issueNumber, body) {
      const { data } = await octokit.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', { ...repo, issue_number: issueNumber, body, request: NO_RETRY });
      return toComment(data);
    },
    async updateIssueComment(commentId, body) {
      const { data } = await octokit.request('PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}', { ...repo, comment_id: commentId, body });
      return toComment(data);
    },
    async deleteIssueComment(commentId) {
      await octokit.request('DELETE /repos/{owner}/{repo}/issues/comments/{comment_id}', { ...repo, comment_id: commentId });
    },
    async listPullRequests(filter = {}) {
      const all: PullRequest[] = [];
      for (let page = 1; ; page += 1) {
        const { data } = await octokit.request('GET /repos/{owner}/{repo}/pulls', {
          ...repo,
          state: filter.state ?? 'open',
          ...(filter.head ? { head: filter.head } : {}),
          ...(filter.base ? { base: filter.base } : {}),
          per_page: PER_PAGE,
          page,
        });
        all.push(...data.map(toPullRequest));
        if (data.length < PER_PAGE) return all;
      }
    },
    async findOpenPullRequestByHead(branch) {
      const found = await this.listPullRequests({ state: 'open', head: `${repository.owner}:${branch}` });
      return found[0];
    },
    async getPullRequest(number) {
      const { data } = await octokit.request('GET /repos/{owner}/{repo}/pulls/{pull_number}', { ...repo, pull_number: number });
      return toPullRequest(data);
    },
    async createPullRequest(input) {
      const { data } = await octokit.request('POST /repos/{owner}/{repo}/pulls', { ...repo, ...input, request: NO_RETRY });
      return toPullRequest(data);
    },
    async updatePullRequest(number, patch) {
      const { data } = await octokit.request('PATCH /repos/{owner}/{repo}/pulls/{pull_number}', { ...repo, pull_number: number, ...patch });
      return toPullRequest(data);
    },
    async mergePullRequest(number, options = {}) {
      const { data } = await octokit.request('PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge', {
        ...repo,
        pull_number: number,
        ...(options.method ? { merge_method: options.method } : {}),
        ...(options.sha ? { sha: options.sha } : {}),
        ...(options.commitTitle ? { commit_title: options.commitTitle } : {}),
      });
      return { merged: data.merged, sha: data.sha };
    },
    async addLabels(issueNumber, labels) {
      const { data } = await octokit.request('POST /repos/{owner}/{repo}/issues/{issue_number}/labels', { ...repo, issue_number: issueNumber, labels });
      return data.map((label) => label.name);
    },
    async createCommitStatus(sha, status) {
      const { data } = await octokit.request('POST /repos/{owner}/{repo}/statuses/{sha}', {
        ...repo,
        sha,
        state: status.state,
        context: status.context,
        ...(status.description !== undefined ? { description: status.description } : {}),
        ...(status.targetUrl !== undefined ? { target_url: status.targetUrl } : {}),
      });
      return { id: Number(data.id) };
    },
    async createCheckRun(check) {
      const { data } = await octokit.request('POST /repos/{owner}/{repo}/check-runs', {
        ...repo,
        name: check.name,
        head_sha: check.headSha,
        status: 'completed',
        conclusion: check.conclusion,
        ...(check.output ? { output: check.output } : {}),
        ...(check.detailsUrl ? { details_url: check.detailsUrl } : {}),
        request: NO_RETRY,
      });
      return { id: Number(data.id), htmlUrl: data.html_url ?? '' };
    },
    async getRef(ref) {
      try {
        const { data } = await octokit.request('GET /repos/{owner}/{repo}/git/ref/{ref}', { ...repo, ref });
        return { ref: data.ref, sha: data.object.sha };
      } catch (error) {
        if ((error as { status?: number }).status === 404) return undefined;
        throw error;
      }
    },
    async getFileContents(path, ref) {
      try {
        const { data } = await octokit.request('GET /repos/{owner}/{repo}/contents/{path}', { ...repo, path, ...(ref ? { ref } : {}) });
        if (Array.isArray(data) || data.type !== 'file' || !('content' in data)) {
          throw new Error(`${path}: expected a file, GitHub returned a ${Array.isArray(data) ? 'directory' : data.type}`);
        }
        return { kind: 'file', path: data.path, sha: data.sha, text: Buffer.from(data.content, 'base64').toString('utf8') };
      } catch (error) {
        if ((error as { status?: number }).status === 404) return { kind: 'missing', path };
        throw error;
      }
    },
  };
}

interface RawComment {
  id: number | bigint;
  body?: string;
  user: { login: string } | null;
  html_url: string;
}

function toComment(raw: RawComment): IssueComment {
  return { id: Number(raw.id), body: raw.body ?? '', author: raw.user?.login ?? '', htmlUrl: raw.html_url };
}

interface RawPullRequest {
  number: number;
  state: string;
  title: string;
  body: string | null;
  head: { ref: string; sha: string };
  base: { ref: string; sha: string };
  merged_at: string | null;
  html_url: string;
  labels: Array<{ name?: string }>;
}

function toPullRequest(raw: RawPullRequest): PullRequest {
  return {
    number: raw.number,
    state: raw.state === 'closed' ? 'closed' : 'open',
    title: raw.title,
    body: raw.body ?? '',
    head: { ref: raw.head.ref, sha: raw.head.sha },
    base: { ref: raw.base.ref, sha: raw.base.sha },
    merged: raw.merged_at !== null,
    htmlUrl: raw.html_url,
    labels: raw.labels.map((label) => label.name ?? ''),
  };
}
