import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  FIXED_TIME,
  jsonRequestSchema,
  jsonResponseSchema,
  matchOperation,
  responseSchemaOf,
  sampleFromSchema,
  validateSchema,
  type JsonSchema,
  type MatchedOperation,
  type OpenApiOperation,
  type SchemaProblem,
} from './openapi.ts';

/**
 * A local stand-in for api.github.com: an HTTP server on 127.0.0.1 with in-memory repositories,
 * pull requests, comments, labels, statuses and check runs. Every request is checked against
 * GitHub's OpenAPI description (known endpoint, path and query parameters, JSON body) and every
 * response it sends is validated against the documented schema for that status. What GitHub
 * would reject is answered the way GitHub answers (404/422/...) and recorded as a violation,
 * so `assertNoViolations()` fails a test that talks to GitHub wrongly even when the code under
 * test swallowed the error.
 */

export type ViolationKind = 'unknown-endpoint' | 'not-implemented' | 'invalid-path-param' | 'invalid-query' | 'invalid-body' | 'unauthenticated' | 'invalid-response';

export interface Violation {
  kind: ViolationKind;
  method: string;
  path: string;
  operationId?: string;
  problems: SchemaProblem[];
}

export interface RecordedRequest {
  method: string;
  /** Path without the query string, e.g. `/repos/acme/platform/issues/7/comments`. */
  path: string;
  query: Record<string, string>;
  body: unknown;
  operationId?: string;
  /** The spec's path template, e.g. `/repos/{owner}/{repo}/issues/{issue_number}/comments`. */
  template?: string;
  status: number;
  /** The fault that answered this request, if any. */
  fault?: FaultStatus;
}

export type FaultStatus = 500 | 502 | 403 | 429;

export interface FaultSpec {
  method: string;
  /** Concrete path, spec template (`/repos/{owner}/{repo}/pulls`) or a RegExp over the concrete path. */
  path: string | RegExp;
  status: FaultStatus;
  /** Seconds, sent as `retry-after` (403/429 are secondary rate limits). */
  retryAfter?: number;
  /** Wait before answering. */
  delayMs?: number;
  /** How many matching requests fail (default 1). */
  times?: number;
  /** Carry the request out first, then answer with the fault: GitHub stored it but the client saw an error. */
  afterHandling?: boolean;
}

export interface DoubleUser {
  login: string;
  id: number;
  type: 'User' | 'Bot';
}

export interface SeedRepo {
  defaultBranch?: string;
  /** branch → head sha */
  branches?: Record<string, string>;
  /** `branch:path` → text (for the contents API) */
  files?: Record<string, string>;
}

export interface CommentRecord {
  id: number;
  issueNumber: number;
  body: string;
  user: DoubleUser;
  createdAt: string;
  updatedAt: string;
}

export interface PullRecord {
  number: number;
  title: string;
  body: string | null;
  head: string;
  headSha: string;
  base: string;
  baseSha: string;
  state: 'open' | 'closed';
  draft: boolean;
  mergedAt: string | null;
  mergeCommitSha: string | null;
  user: DoubleUser;
  createdAt: string;
  updatedAt: string;
}

export interface StatusRecord {
  id: number;
  sha: string;
  state: string;
  context: string;
  description: string | null;
  targetUrl: string | null;
}

export interface CheckRunRecord {
  id: number;
  name: string;
  headSha: string;
  status: string;
  conclusion: string | null;
  output: { title?: string; summary?: string; text?: string };
}

/** A `repository_dispatch` request as it arrived: the body byte for byte, and its event type. */
export interface DispatchRecord {
  eventType: string;
  /** The request body exactly as sent (what GitHub would hand on as the event's `client_payload`). */
  raw: string;
  receivedAt: string;
}

/** What a merge does to git: given the PR, returns the merge commit's sha (e.g. a real merge on a bare origin). */
export type MergeHandler = (pull: Readonly<PullRecord>) => Promise<string>;

interface RepoState {
  owner: string;
  name: string;
  id: number;
  defaultBranch: string;
  branches: Map<string, string>;
  files: Map<string, string>;
  nextNumber: number;
  issues: Set<number>;
  pulls: Map<number, PullRecord>;
  comments: Map<number, CommentRecord>;
  labels: Map<number, string[]>;
  statuses: StatusRecord[];
  checkRuns: CheckRunRecord[];
  dispatches: DispatchRecord[];
}

export interface ApiDoubleOptions {
  /** The user every token acts as (default `github-actions[bot]`, like GITHUB_TOKEN). */
  user?: Partial<DoubleUser>;
  /**
   * Called by `PUT …/pulls/{n}/merge` to carry the merge out in git (the double alone only records
   * it, with a made-up sha). Its result is the merge commit the base branch then points at.
   */
  onMerge?: MergeHandler;
}

export interface ApiDouble {
  /** Base URL for Octokit / `GITHUB_API_URL`, e.g. `http://127.0.0.1:53111`. */
  readonly url: string;
  readonly requests: RecordedRequest[];
  readonly violations: Violation[];
  readonly user: DoubleUser;
  seedRepo(fullName: string, seed?: SeedRepo): void;
  /** An issue number that exists (without a pull request). */
  seedIssue(fullName: string): number;
  seedPullRequest(fullName: string, pr: { title?: string; head: string; base?: string; headSha?: string; body?: string }): number;
  setBranch(fullName: string, branch: string, sha: string): void;
  comments(fullName: string, issueNumber: number): CommentRecord[];
  pullRequests(fullName: string): PullRecord[];
  labels(fullName: string, issueNumber: number): string[];
  statuses(fullName: string): StatusRecord[];
  checkRuns(fullName: string): CheckRunRecord[];
  /** `POST /repos/{o}/{r}/dispatches` requests received (also under the GitHub Enterprise `/api/v3` prefix). */
  dispatches(fullName: string): DispatchRecord[];
  injectFault(fault: FaultSpec): void;
  /** Requests whose operationId (e.g. `issues/create-comment`) matches. */
  requestsFor(operationId: string): RecordedRequest[];
  assertNoViolations(): void;
  close(): Promise<void>;
}

export class ApiDoubleViolationError extends Error {
  override readonly name = 'ApiDoubleViolationError';
  constructor(readonly violations: Violation[]) {
    super(
      `the GitHub API double saw ${violations.length} request(s) GitHub would not accept or it could not answer faithfully:\n` +
        violations.map((v) => `  ${v.kind}: ${v.method} ${v.path}${v.operationId ? ` (${v.operationId})` : ''}\n${v.problems.map((p) => `    ${p.path || '/'} ${p.message}`).join('\n')}`).join('\n'),
    );
  }
}

/** GitHub rejects issue comment bodies longer than this. */
const MAX_COMMENT_LENGTH = 65_536;
const DOCS = 'https://docs.github.com/rest';

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

class HttpReply extends Error {
  constructor(readonly reply: Reply) {
    super(`HTTP ${reply.status}`);
  }
}

const notFound = (): never => {
  throw new HttpReply({ status: 404, body: { message: 'Not Found', documentation_url: DOCS, status: '404' } });
};
const unprocessable = (message: string, errors?: unknown[]): never => {
  throw new HttpReply({ status: 422, body: { message, documentation_url: DOCS, status: '422', ...(errors ? { errors } : {}) } });
};

export async function startApiDouble(options: ApiDoubleOptions = {}): Promise<ApiDouble> {
  const user: DoubleUser = { login: 'github-actions[bot]', id: 41898282, type: 'Bot', ...options.user };
  const repos = new Map<string, RepoState>();
  const requests: RecordedRequest[] = [];
  const violations: Violation[] = [];
  const faults: Array<FaultSpec & { remaining: number }> = [];
  let nextId = 1000;
  let clock = 0;
  const now = () => new Date(Date.parse(FIXED_TIME) + 1000 * clock++).toISOString().replace('.000Z', 'Z');

  const repoKey = (owner: string, name: string) => `${owner}/${name}`.toLowerCase();
  const seedRepo = (fullName: string, seed: SeedRepo = {}) => {
    const [owner, name] = fullName.split('/');
    if (!owner || !name) throw new Error(`seedRepo: "${fullName}" is not owner/repo`);
    const defaultBranch = seed.defaultBranch ?? 'main';
    const branches = new Map(Object.entries(seed.branches ?? { [defaultBranch]: fakeSha(`${fullName}@${defaultBranch}`) }));
    repos.set(repoKey(owner, name), {
      owner,
      name,
      id: nextId++,
      defaultBranch,
      branches,
      files: new Map(Object.entries(seed.files ?? {})),
      nextNumber: 1,
      issues: new Set(),
      pulls: new Map(),
      comments: new Map(),
      labels: new Map(),
      statuses: [],
      checkRuns: [],
      dispatches: [],
    });
  };
  const repoOf = (fullName: string): RepoState => {
    const [owner = '', name = ''] = fullName.split('/');
    const repo = repos.get(repoKey(owner, name));
    if (!repo) throw new Error(`the double has no repository ${fullName}; call seedRepo first`);
    return repo;
  };
  const createPull = (repo: RepoState, input: { title: string; head: string; base: string; body: string | null; draft: boolean; headSha?: string }): PullRecord => {
    const number = repo.nextNumber++;
    const time = now();
    const pull: PullRecord = {
      number,
      title: input.title,
      body: input.body,
      head: input.head,
      headSha: input.headSha ?? repo.branches.get(input.head) ?? fakeSha(`${repo.name}:${input.head}`),
      base: input.base,
      baseSha: repo.branches.get(input.base) ?? fakeSha(`${repo.name}:${input.base}`),
      state: 'open',
      draft: input.draft,
      mergedAt: null,
      mergeCommitSha: null,
      user,
      createdAt: time,
      updatedAt: time,
    };
    repo.pulls.set(number, pull);
    return pull;
  };

  // ---------------------------------------------------------------- response shapes

  const htmlBase = (repo: RepoState) => `https://github.com/${repo.owner}/${repo.name}`;
  const apiBase = (repo: RepoState) => `https://api.github.com/repos/${repo.owner}/${repo.name}`;
  const userJson = (u: DoubleUser) => ({
    login: u.login,
    id: u.id,
    node_id: `U_${u.id}`,
    type: u.type,
    site_admin: false,
    avatar_url: `https://avatars.githubusercontent.com/u/${u.id}`,
    url: `https://api.github.com/users/${encodeURIComponent(u.login)}`,
    html_url: `https://github.com/${encodeURIComponent(u.login)}`,
  });
  const repoJson = (repo: RepoState) => ({
    id: repo.id,
    node_id: `R_${repo.id}`,
    name: repo.name,
    full_name: `${repo.owner}/${repo.name}`,
    owner: userJson({ login: repo.owner, id: repo.id + 1, type: 'User' }),
    private: true,
    html_url: htmlBase(repo),
    url: apiBase(repo),
    default_branch: repo.defaultBranch,
    visibility: 'private',
    created_at: FIXED_TIME,
    updated_at: FIXED_TIME,
    pushed_at: FIXED_TIME,
  });
  const commentJson = (repo: RepoState, comment: CommentRecord) => ({
    id: comment.id,
    node_id: `IC_${comment.id}`,
    url: `${apiBase(repo)}/issues/comments/${comment.id}`,
    html_url: `${htmlBase(repo)}/${repo.pulls.has(comment.issueNumber) ? 'pull' : 'issues'}/${comment.issueNumber}#issuecomment-${comment.id}`,
    issue_url: `${apiBase(repo)}/issues/${comment.issueNumber}`,
    body: comment.body,
    user: userJson(comment.user),
    author_association: 'NONE',
    created_at: comment.createdAt,
    updated_at: comment.updatedAt,
  });
  const labelJson = (repo: RepoState, name: string) => ({
    id: Number.parseInt(fakeSha(name).slice(0, 8), 16),
    node_id: `LA_${name}`,
    url: `${apiBase(repo)}/labels/${encodeURIComponent(name)}`,
    name,
    color: 'ededed',
    default: false,
    // A string, not null: pulls/list requires a non-nullable `description` (other operations allow
    // null), and GitHub itself sends "" for a label created without one.
    description: '',
  });
  const pullJson = (repo: RepoState, pull: PullRecord) => {
    const side = (ref: string, sha: string) => ({ label: `${repo.owner}:${ref}`, ref, sha, user: userJson({ login: repo.owner, id: repo.id + 1, type: 'User' }), repo: repoJson(repo) });
    const url = `${apiBase(repo)}/pulls/${pull.number}`;
    return {
      url,
      id: repo.id * 1000 + pull.number,
      node_id: `PR_${repo.id}_${pull.number}`,
      html_url: `${htmlBase(repo)}/pull/${pull.number}`,
      diff_url: `${htmlBase(repo)}/pull/${pull.number}.diff`,
      patch_url: `${htmlBase(repo)}/pull/${pull.number}.patch`,
      issue_url: `${apiBase(repo)}/issues/${pull.number}`,
      commits_url: `${url}/commits`,
      review_comments_url: `${url}/comments`,
      review_comment_url: `${apiBase(repo)}/pulls/comments{/number}`,
      comments_url: `${apiBase(repo)}/issues/${pull.number}/comments`,
      statuses_url: `${apiBase(repo)}/statuses/${pull.headSha}`,
      number: pull.number,
      state: pull.state,
      locked: false,
      title: pull.title,
      user: userJson(pull.user),
      body: pull.body,
      labels: (repo.labels.get(pull.number) ?? []).map((name) => labelJson(repo, name)),
      created_at: pull.createdAt,
      updated_at: pull.updatedAt,
      closed_at: pull.state === 'closed' ? pull.updatedAt : null,
      merged_at: pull.mergedAt,
      merge_commit_sha: pull.mergeCommitSha,
      draft: pull.draft,
      head: side(pull.head, pull.headSha),
      base: side(pull.base, pull.baseSha),
      author_association: 'NONE',
      merged: pull.mergedAt !== null,
      mergeable: pull.state === 'open' ? true : null,
      mergeable_state: pull.state === 'open' ? 'clean' : 'unknown',
      merged_by: pull.mergedAt ? userJson(user) : null,
      comments: [...repo.comments.values()].filter((c) => c.issueNumber === pull.number).length,
      review_comments: 0,
      commits: 1,
      additions: 0,
      deletions: 0,
      changed_files: 0,
      maintainer_can_modify: false,
    };
  };

  // Build each response from GitHub's schema for that operation and status, overlaid with our state.
  const shaped = (match: MatchedOperation, status: number, overlay: unknown): unknown => sampleFromSchema(responseSchemaOf(match.method, match.template, status), overlay);

  // ---------------------------------------------------------------- handlers

  type Violate = (kind: ViolationKind, problems: SchemaProblem[]) => void;
  type Handler = (ctx: { match: MatchedOperation; repo: RepoState; params: Record<string, string>; query: Record<string, string>; body: Record<string, unknown>; rawBody: string; violate: Violate }) => Reply | Promise<Reply>;

  const issueExists = (repo: RepoState, number: number) => repo.issues.has(number) || repo.pulls.has(number);
  const pullOf = (repo: RepoState, number: string): PullRecord => repo.pulls.get(Number(number)) ?? notFound();
  const commentOf = (repo: RepoState, id: string): CommentRecord => repo.comments.get(Number(id)) ?? notFound();
  const checkCommentBody = (body: string, violate: Violate) => {
    if (body.length > MAX_COMMENT_LENGTH) {
      violate('invalid-body', [{ path: '/body', message: `is ${body.length} characters; GitHub allows at most ${MAX_COMMENT_LENGTH}` }]);
      unprocessable('Validation Failed', [{ resource: 'IssueComment', code: 'custom', field: 'body', message: `body is too long (maximum is ${MAX_COMMENT_LENGTH} characters)` }]);
    }
  };
  const page = <T>(items: T[], query: Record<string, string>): T[] => {
    const perPage = Math.min(Number(query.per_page ?? 30), 100);
    const index = Number(query.page ?? 1);
    return items.slice((index - 1) * perPage, index * perPage);
  };

  const handlers: Record<string, Handler> = {
    'repos/get': ({ match, repo }) => ({ status: 200, body: shaped(match, 200, repoJson(repo)) }),

    'issues/list-comments': ({ match, repo, params, query }) => {
      const number = Number(params.issue_number);
      if (!issueExists(repo, number)) notFound();
      const all = [...repo.comments.values()].filter((c) => c.issueNumber === number).sort((a, b) => a.id - b.id);
      return { status: 200, body: shaped(match, 200, page(all, query).map((c) => commentJson(repo, c))) };
    },
    'issues/create-comment': ({ match, repo, params, body, violate }) => {
      const number = Number(params.issue_number);
      if (!issueExists(repo, number)) notFound();
      checkCommentBody(String(body.body), violate);
      const time = now();
      const comment: CommentRecord = { id: nextId++, issueNumber: number, body: String(body.body), user, createdAt: time, updatedAt: time };
      repo.comments.set(comment.id, comment);
      return { status: 201, body: shaped(match, 201, commentJson(repo, comment)), headers: { location: `${apiBase(repo)}/issues/comments/${comment.id}` } };
    },
    'issues/get-comment': ({ match, repo, params }) => ({ status: 200, body: shaped(match, 200, commentJson(repo, commentOf(repo, params.comment_id!))) }),
    'issues/update-comment': ({ match, repo, params, body, violate }) => {
      const comment = commentOf(repo, params.comment_id!);
      checkCommentBody(String(body.body), violate);
      comment.body = String(body.body);
      comment.updatedAt = now();
      return { status: 200, body: shaped(match, 200, commentJson(repo, comment)) };
    },
    'issues/delete-comment': ({ repo, params }) => {
      commentOf(repo, params.comment_id!);
      repo.comments.delete(Number(params.comment_id));
      return { status: 204 };
    },
    'issues/add-labels': ({ match, repo, params, body }) => {
      const number = Number(params.issue_number);
      if (!issueExists(repo, number)) notFound();
      const given = (Array.isArray(body) ? body : (body.labels as unknown[]) ?? []).map((label) => (typeof label === 'string' ? label : String((label as { name: string }).name)));
      const labels = [...new Set([...(repo.labels.get(number) ?? []), ...given])];
      repo.labels.set(number, labels);
      return { status: 200, body: shaped(match, 200, labels.map((name) => labelJson(repo, name))) };
    },

    'pulls/list': ({ match, repo, query }) => {
      const state = query.state ?? 'open';
      const all = [...repo.pulls.values()]
        .filter((p) => state === 'all' || p.state === state)
        .filter((p) => !query.head || `${repo.owner}:${p.head}`.toLowerCase() === query.head.toLowerCase() || (!query.head.includes(':') && p.head === query.head))
        .filter((p) => !query.base || p.base === query.base)
        .sort((a, b) => (query.direction === 'asc' ? a.number - b.number : b.number - a.number));
      return { status: 200, body: shaped(match, 200, page(all, query).map((p) => pullJson(repo, p))) };
    },
    'pulls/get': ({ match, repo, params }) => ({ status: 200, body: shaped(match, 200, pullJson(repo, pullOf(repo, params.pull_number!))) }),
    'pulls/create': ({ match, repo, body }) => {
      const head = String(body.head).replace(new RegExp(`^${repo.owner}:`, 'i'), '');
      const base = String(body.base);
      const errors: unknown[] = [];
      if (!repo.branches.has(head)) errors.push({ resource: 'PullRequest', field: 'head', code: 'invalid' });
      if (!repo.branches.has(base)) errors.push({ resource: 'PullRequest', field: 'base', code: 'invalid' });
      if (errors.length > 0) unprocessable('Validation Failed', errors);
      if ([...repo.pulls.values()].some((p) => p.state === 'open' && p.head === head && p.base === base)) {
        unprocessable('Validation Failed', [{ resource: 'PullRequest', code: 'custom', message: `A pull request already exists for ${repo.owner}:${head}.` }]);
      }
      if (typeof body.title !== 'string') unprocessable('Validation Failed', [{ resource: 'PullRequest', field: 'title', code: 'missing_field' }]);
      const pull = createPull(repo, { title: String(body.title), head, base, body: typeof body.body === 'string' ? body.body : null, draft: body.draft === true });
      return { status: 201, body: shaped(match, 201, pullJson(repo, pull)), headers: { location: `${apiBase(repo)}/pulls/${pull.number}` } };
    },
    'pulls/update': ({ match, repo, params, body }) => {
      const pull = pullOf(repo, params.pull_number!);
      if (typeof body.title === 'string') pull.title = body.title;
      if (typeof body.body === 'string') pull.body = body.body;
      if (body.state === 'open' || body.state === 'closed') pull.state = body.state;
      if (typeof body.base === 'string') {
        if (!repo.branches.has(body.base)) unprocessable('Validation Failed', [{ resource: 'PullRequest', field: 'base', code: 'invalid' }]);
        pull.base = body.base;
      }
      pull.updatedAt = now();
      return { status: 200, body: shaped(match, 200, pullJson(repo, pull)) };
    },
    'pulls/merge': async ({ match, repo, params, body }) => {
      const pull = pullOf(repo, params.pull_number!);
      if (pull.state !== 'open') throw new HttpReply({ status: 405, body: { message: 'Pull Request is not mergeable', documentation_url: DOCS } });
      if (typeof body.sha === 'string' && body.sha !== pull.headSha) {
        throw new HttpReply({ status: 409, body: { message: 'Head branch was modified. Review and try the merge again.', documentation_url: DOCS } });
      }
      // GitHub answers 405 when the merge cannot be made (conflicts); so does the double when git refuses.
      const sha = options.onMerge
        ? await options.onMerge({ ...pull, baseSha: repo.branches.get(pull.base) ?? pull.baseSha }).catch((error: unknown) => {
            throw new HttpReply({ status: 405, body: { message: `Pull Request is not mergeable: ${(error as Error).message.slice(0, 300)}`, documentation_url: DOCS } });
          })
        : fakeSha(`merge:${repo.name}:${pull.number}:${pull.headSha}`);
      pull.state = 'closed';
      pull.mergedAt = now();
      pull.mergeCommitSha = sha;
      pull.updatedAt = pull.mergedAt;
      repo.branches.set(pull.base, sha);
      return { status: 200, body: shaped(match, 200, { sha, merged: true, message: 'Pull Request successfully merged' }) };
    },

    'repos/create-dispatch-event': ({ repo, body, rawBody }) => {
      repo.dispatches.push({ eventType: String(body.event_type), raw: rawBody, receivedAt: new Date().toISOString() });
      return { status: 204 };
    },

    'repos/create-commit-status': ({ match, repo, params, body }) => {
      const status: StatusRecord = {
        id: nextId++,
        sha: params.sha!,
        state: String(body.state),
        context: typeof body.context === 'string' ? body.context : 'default',
        description: typeof body.description === 'string' ? body.description : null,
        targetUrl: typeof body.target_url === 'string' ? body.target_url : null,
      };
      repo.statuses.push(status);
      return {
        status: 201,
        body: shaped(match, 201, {
          id: status.id,
          node_id: `SC_${status.id}`,
          url: `${apiBase(repo)}/statuses/${status.sha}`,
          avatar_url: null,
          state: status.state,
          description: status.description,
          target_url: status.targetUrl,
          context: status.context,
          created_at: now(),
          updated_at: FIXED_TIME,
          creator: userJson(user),
        }),
      };
    },
    'checks/create': ({ match, repo, body }) => {
      const run: CheckRunRecord = {
        id: nextId++,
        name: String(body.name),
        headSha: String(body.head_sha),
        status: typeof body.status === 'string' ? body.status : body.conclusion ? 'completed' : 'queued',
        conclusion: typeof body.conclusion === 'string' ? body.conclusion : null,
        output: (body.output as CheckRunRecord['output']) ?? {},
      };
      repo.checkRuns.push(run);
      return {
        status: 201,
        body: shaped(match, 201, {
          id: run.id,
          head_sha: run.headSha,
          node_id: `CR_${run.id}`,
          external_id: null,
          url: `${apiBase(repo)}/check-runs/${run.id}`,
          html_url: `${htmlBase(repo)}/runs/${run.id}`,
          details_url: typeof body.details_url === 'string' ? body.details_url : null,
          status: run.status,
          conclusion: run.conclusion,
          started_at: FIXED_TIME,
          completed_at: run.conclusion ? now() : null,
          output: { title: run.output.title ?? null, summary: run.output.summary ?? null, text: run.output.text ?? null, annotations_count: 0, annotations_url: `${apiBase(repo)}/check-runs/${run.id}/annotations` },
          name: run.name,
          check_suite: { id: run.id },
          app: null,
          pull_requests: [],
        }),
      };
    },

    'git/get-ref': ({ match, repo, params }) => {
      const ref = params.ref!;
      const branch = /^heads\/(.+)$/.exec(ref)?.[1];
      const sha = branch ? repo.branches.get(branch) : undefined;
      if (!sha) notFound();
      return { status: 200, body: shaped(match, 200, { ref: `refs/${ref}`, node_id: `REF_${ref}`, url: `${apiBase(repo)}/git/refs/${ref}`, object: { type: 'commit', sha, url: `${apiBase(repo)}/git/commits/${sha}` } }) };
    },
    'repos/get-content': ({ match, repo, params, query }) => {
      const ref = query.ref ?? repo.defaultBranch;
      const text = repo.files.get(`${ref}:${params.path}`);
      if (text === undefined) notFound();
      const sha = fakeSha(`blob:${text}`);
      const name = params.path!.split('/').pop()!;
      const url = `${apiBase(repo)}/contents/${params.path}?ref=${ref}`;
      return {
        status: 200,
        body: shaped(match, 200, {
          type: 'file',
          encoding: 'base64',
          size: Buffer.byteLength(text!),
          name,
          path: params.path,
          content: Buffer.from(text!).toString('base64'),
          sha,
          url,
          git_url: `${apiBase(repo)}/git/blobs/${sha}`,
          html_url: `${htmlBase(repo)}/blob/${ref}/${params.path}`,
          download_url: `https://raw.githubusercontent.com/${repo.owner}/${repo.name}/${ref}/${params.path}`,
          _links: { self: url, git: `${apiBase(repo)}/git/blobs/${sha}`, html: `${htmlBase(repo)}/blob/${ref}/${params.path}` },
        }),
      };
    },
  };

  // ---------------------------------------------------------------- request pipeline

  const checkRequest = (match: MatchedOperation, query: Record<string, string>, body: unknown, rawBody: string, recordViolation: Violate): void => {
    const operation = match.operation;
    const id = operation.operationId;
    const parameters = operation.parameters ?? [];
    for (const parameter of parameters.filter((p) => p.in === 'path')) {
      const value = match.pathParams[parameter.name];
      const problems = value === undefined ? [{ path: parameter.name, message: 'is missing' }] : checkScalar(`${id}:path:${parameter.name}`, parameter.schema, value, parameter.name);
      if (problems.length > 0) {
        recordViolation('invalid-path-param', problems);
        notFound();
      }
    }
    const queryProblems: SchemaProblem[] = [];
    for (const [name, value] of Object.entries(query)) {
      const parameter = parameters.find((p) => p.in === 'query' && p.name === name);
      if (!parameter) queryProblems.push({ path: name, message: `is not a query parameter of ${id}` });
      else queryProblems.push(...checkScalar(`${id}:query:${name}`, parameter.schema, value, name));
    }
    for (const parameter of parameters.filter((p) => p.in === 'query' && p.required)) {
      if (!(parameter.name in query)) queryProblems.push({ path: parameter.name, message: 'is required' });
    }
    if (queryProblems.length > 0) {
      recordViolation('invalid-query', queryProblems);
      unprocessable('Validation Failed', queryProblems.map((p) => ({ field: p.path, code: 'invalid', message: p.message })));
    }

    const schema = jsonRequestSchema(operation);
    if (rawBody.trim() === '') {
      if (operation.requestBody?.required) {
        recordViolation('invalid-body', [{ path: '', message: 'a JSON body is required' }]);
        throw new HttpReply({ status: 400, body: { message: 'Problems parsing JSON', documentation_url: DOCS } });
      }
      return;
    }
    if (body === INVALID_JSON) {
      recordViolation('invalid-body', [{ path: '', message: 'is not valid JSON' }]);
      throw new HttpReply({ status: 400, body: { message: 'Problems parsing JSON', documentation_url: DOCS } });
    }
    if (!schema) {
      recordViolation('invalid-body', [{ path: '', message: `${id} takes no request body` }]);
      return;
    }
    const problems = validateSchema(`${id}:request`, schema, body);
    if (problems.length > 0) {
      recordViolation('invalid-body', problems);
      unprocessable(
        'Invalid request.',
        problems.map((p) => ({ resource: id, field: p.path.replace(/^\//, ''), code: 'invalid', message: p.message })),
      );
    }
  };

  const checkResponse = (operation: OpenApiOperation, status: number, body: unknown, recordViolation: Violate) => {
    const { documented, schema } = jsonResponseSchema(operation, status);
    // GitHub answers 404 (and 422 for semantic errors) on any endpoint, documented or not.
    if (!documented && status >= 400) return;
    if (!documented) {
      recordViolation('invalid-response', [{ path: '', message: `status ${status} is not documented for ${operation.operationId}` }]);
      return;
    }
    if (!schema) {
      if (body !== undefined) recordViolation('invalid-response', [{ path: '', message: `status ${status} has no body in the description` }]);
      return;
    }
    const problems = validateSchema(`${operation.operationId}:response:${status}`, schema, body);
    if (problems.length > 0) recordViolation('invalid-response', problems);
  };

  const takeFault = (method: string, path: string, template: string | undefined): (FaultSpec & { remaining: number }) | undefined => {
    const fault = faults.find(
      (f) =>
        f.remaining > 0 &&
        f.method.toUpperCase() === method &&
        (f.path instanceof RegExp ? f.path.test(path) : f.path === path || f.path === template),
    );
    if (fault) fault.remaining -= 1;
    return fault;
  };

  const faultReply = (fault: FaultSpec): Reply => {
    const headers: Record<string, string> = {};
    if (fault.retryAfter !== undefined) headers['retry-after'] = String(fault.retryAfter);
    if (fault.status === 403 || fault.status === 429) {
      return {
        status: fault.status,
        headers,
        body: { message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.', documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits', status: String(fault.status) },
      };
    }
    return { status: fault.status, headers, body: fault.status === 502 ? { message: 'Server Error' } : { message: 'Internal Server Error', documentation_url: DOCS, status: String(fault.status) } };
  };

  async function handle(req: IncomingMessage): Promise<{ reply: Reply; record: RecordedRequest }> {
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    // GitHub Enterprise Server serves the same API under /api/v3 (go-github and Octokit use it for any host but github.com).
    const path = url.pathname.replace(/\/+$/, '').replace(/^\/api\/v3(?=\/)/, '') || '/';
    const query = Object.fromEntries(url.searchParams.entries());
    const rawBody = await readBody(req);
    const body = rawBody.trim() === '' ? undefined : parseJson(rawBody);
    const here: { method: string; path: string; operationId?: string } = { method, path };
    const recordViolation: Violate = (kind, problems) => violations.push({ kind, ...here, problems });
    const record: RecordedRequest = { method, path, query, body: body === INVALID_JSON ? rawBody : body, status: 0 };

    const routed = matchOperation(method, path);
    if (routed.kind !== 'operation') {
      recordViolation('unknown-endpoint', [{ path: '', message: routed.kind === 'method-not-allowed' ? `GitHub documents ${routed.template} but not ${method} on it` : 'GitHub documents no such path' }]);
      return { reply: { status: 404, body: { message: 'Not Found', documentation_url: DOCS, status: '404' } }, record };
    }
    const match = routed.match;
    const operationId = match.operation.operationId;
    here.operationId = operationId;
    record.operationId = operationId;
    record.template = match.template;

    const fault = takeFault(method, path, match.template);
    if (fault?.delayMs) await sleep(fault.delayMs);
    if (fault && !fault.afterHandling) {
      record.fault = fault.status;
      return { reply: faultReply(fault), record };
    }

    let reply: Reply;
    try {
      if (!req.headers.authorization) {
        recordViolation('unauthenticated', [{ path: 'authorization', message: 'no Authorization header; the actions always authenticate' }]);
        throw new HttpReply({ status: 401, body: { message: 'Requires authentication', documentation_url: DOCS, status: '401' } });
      }
      checkRequest(match, query, body, rawBody, recordViolation);
      const handler = handlers[operationId];
      if (!handler) {
        recordViolation('not-implemented', [{ path: '', message: `the double does not implement ${operationId}; add it to api-double.ts` }]);
        throw new HttpReply({ status: 501, body: { message: `${operationId} is not implemented by the API double` } });
      }
      const repo = repos.get(repoKey(match.pathParams.owner ?? '', match.pathParams.repo ?? '')) ?? notFound();
      reply = await handler({ match, repo, params: match.pathParams, query, body: (body ?? {}) as Record<string, unknown>, rawBody, violate: recordViolation });
    } catch (error) {
      if (!(error instanceof HttpReply)) throw error;
      reply = error.reply;
    }
    if (reply.status !== 501) checkResponse(match.operation, reply.status, reply.body, recordViolation);
    if (fault) {
      record.fault = fault.status;
      return { reply: faultReply(fault), record };
    }
    return { reply, record };
  }

  const server: Server = createServer((req, res) => {
    handle(req)
      .then(({ reply, record }) => {
        record.status = reply.status;
        requests.push(record);
        send(res, reply);
      })
      .catch((error: unknown) => {
        violations.push({ kind: 'invalid-response', method: req.method ?? '', path: req.url ?? '', problems: [{ path: '', message: `the double crashed: ${(error as Error).stack ?? String(error)}` }] });
        send(res, { status: 500, body: { message: 'API double crashed' } });
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    violations,
    user,
    seedRepo,
    seedIssue(fullName) {
      const repo = repoOf(fullName);
      const number = repo.nextNumber++;
      repo.issues.add(number);
      return number;
    },
    seedPullRequest(fullName, pr) {
      const repo = repoOf(fullName);
      const base = pr.base ?? repo.defaultBranch;
      if (!repo.branches.has(pr.head)) repo.branches.set(pr.head, pr.headSha ?? fakeSha(`${fullName}:${pr.head}`));
      return createPull(repo, { title: pr.title ?? `Change ${pr.head}`, head: pr.head, base, body: pr.body ?? null, draft: false, headSha: pr.headSha ?? repo.branches.get(pr.head)! }).number;
    },
    setBranch(fullName, branch, sha) {
      const repo = repoOf(fullName);
      repo.branches.set(branch, sha);
      // A push to a PR's head branch moves the PR's head, as on GitHub.
      for (const pull of repo.pulls.values()) if (pull.state === 'open' && pull.head === branch) pull.headSha = sha;
    },
    comments: (fullName, issueNumber) => [...repoOf(fullName).comments.values()].filter((c) => c.issueNumber === issueNumber).sort((a, b) => a.id - b.id),
    pullRequests: (fullName) => [...repoOf(fullName).pulls.values()],
    labels: (fullName, issueNumber) => repoOf(fullName).labels.get(issueNumber) ?? [],
    statuses: (fullName) => repoOf(fullName).statuses,
    checkRuns: (fullName) => repoOf(fullName).checkRuns,
    dispatches: (fullName) => repoOf(fullName).dispatches,
    injectFault(fault) {
      faults.push({ ...fault, remaining: fault.times ?? 1 });
    },
    requestsFor: (operationId) => requests.filter((r) => r.operationId === operationId),
    assertNoViolations() {
      if (violations.length > 0) throw new ApiDoubleViolationError(violations);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

const INVALID_JSON = Symbol('invalid-json');

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return INVALID_JSON;
  }
}

function checkScalar(cacheKey: string, schema: JsonSchema | undefined, raw: string, name: string): SchemaProblem[] {
  if (!schema) return [];
  const type = schema.type;
  let value: unknown = raw;
  if (type === 'integer' || type === 'number') {
    if (!/^-?\d+(\.\d+)?$/.test(raw)) return [{ path: name, message: `must be ${type}, got "${raw}"` }];
    value = Number(raw);
  } else if (type === 'boolean') {
    if (raw !== 'true' && raw !== 'false') return [{ path: name, message: `must be true or false, got "${raw}"` }];
    value = raw === 'true';
  }
  return validateSchema(cacheKey, schema, value).map((p) => ({ path: name + p.path, message: p.message }));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, reply: Reply): void {
  const headers: Record<string, string> = { 'x-github-api-version-selected': '2022-11-28', ...reply.headers };
  if (reply.body === undefined) {
    res.writeHead(reply.status, headers).end();
    return;
  }
  const text = JSON.stringify(reply.body);
  res.writeHead(reply.status, { ...headers, 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(text)) }).end(text);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A stable 40-hex "sha" for seeds. */
export function fakeSha(seed: string): string {
  return createHash('sha1').update(seed).digest('hex');
}
