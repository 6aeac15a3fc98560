import { readFileSync } from 'node:fs';

/**
 * The GitHub Actions context, built once from `GITHUB_*` variables and the event file at
 * `GITHUB_EVENT_PATH`, narrowed per event. Payload fields the platform relies on are checked
 * here, so an action never reads `payload.pull_request.head.sha` off an untyped object.
 */

export interface RepoRef {
  owner: string;
  repo: string;
  /** `owner/repo` */
  fullName: string;
}

export interface RunInfo {
  repository: RepoRef;
  /** `GITHUB_SHA`: the commit the workflow runs on. */
  sha: string;
  /** `GITHUB_REF`, e.g. `refs/heads/main` or `refs/pull/7/merge`. */
  ref: string;
  workflow: string;
  runId: string;
  runAttempt: string;
  actor: string;
  serverUrl: string;
  apiUrl: string;
  workspace: string;
  eventPath: string;
}

export interface GitSide {
  sha: string;
  ref: string;
}

export interface PullRequestEvent {
  kind: 'pull_request';
  /** `opened`, `synchronize`, `reopened`, ... */
  action: string;
  pullRequest: {
    number: number;
    title: string;
    draft: boolean;
    base: GitSide & { repoFullName: string };
    head: GitSide & { repoFullName: string };
    /** The head branch lives in another repository: no secrets, read-only token. */
    isFork: boolean;
  };
}

export interface PushEvent {
  kind: 'push';
  ref: string;
  before: string;
  after: string;
  created: boolean;
  deleted: boolean;
  forced: boolean;
}

export interface RepositoryDispatchEvent {
  kind: 'repository_dispatch';
  /** The `event_type` sent to the dispatches API (GitHub puts it in `action`). */
  eventType: string;
  /** Whatever the sender put there. Untrusted: validate before use. */
  clientPayload: unknown;
}

export interface ScheduleEvent {
  kind: 'schedule';
  /** The cron expression that fired. */
  schedule: string;
}

export interface WorkflowDispatchEvent {
  kind: 'workflow_dispatch';
  inputs: Readonly<Record<string, string>>;
  ref: string;
}

export interface WorkflowRunEvent {
  kind: 'workflow_run';
  action: string;
  workflowRun: {
    id: number;
    name: string;
    event: string;
    conclusion: string | null;
    headSha: string;
    headBranch: string | null;
    headRepoFullName: string;
  };
}

export interface OtherEvent {
  kind: 'other';
  eventName: string;
  payload: unknown;
}

export type GitHubEvent =
  | PullRequestEvent
  | PushEvent
  | RepositoryDispatchEvent
  | ScheduleEvent
  | WorkflowDispatchEvent
  | WorkflowRunEvent
  | OtherEvent;

export type GitHubContext = RunInfo & { eventName: string; event: GitHubEvent };

export type ContextErrorCode = 'missing-env' | 'event-file-unreadable' | 'event-file-malformed' | 'event-payload-invalid';

export class ContextError extends Error {
  override readonly name = 'ContextError';
  constructor(
    readonly code: ContextErrorCode,
    message: string,
    /** The env variable, file or payload field path the error is about. */
    readonly where: string,
  ) {
    super(`${where}: ${message}`);
  }
}

export interface ContextSources {
  env?: Readonly<Record<string, string | undefined>>;
  readFile?: (path: string) => string;
}

/** Builds the context from the runner's environment; throws `ContextError`. */
export function contextFromEnv(sources: ContextSources = {}): GitHubContext {
  const env = sources.env ?? process.env;
  const readFile = sources.readFile ?? ((path: string) => readFileSync(path, 'utf8'));
  const required = (name: string): string => {
    const value = env[name];
    if (value === undefined || value === '') {
      throw new ContextError('missing-env', 'is not set; is this running inside GitHub Actions (or the runAction harness)?', name);
    }
    return value;
  };

  const eventName = required('GITHUB_EVENT_NAME');
  const eventPath = required('GITHUB_EVENT_PATH');
  const repository = parseRepository(required('GITHUB_REPOSITORY'), 'GITHUB_REPOSITORY');

  let text: string;
  try {
    text = readFile(eventPath);
  } catch (error) {
    throw new ContextError('event-file-unreadable', `cannot read the event file (${(error as Error).message})`, eventPath);
  }
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch (error) {
    throw new ContextError('event-file-malformed', `is not valid JSON (${(error as Error).message})`, eventPath);
  }
  if (!isRecord(payload)) {
    throw new ContextError('event-file-malformed', `must hold a JSON object, found ${describe(payload)}`, eventPath);
  }

  return {
    eventName,
    eventPath,
    repository,
    sha: env.GITHUB_SHA ?? '',
    ref: env.GITHUB_REF ?? '',
    workflow: env.GITHUB_WORKFLOW ?? '',
    runId: env.GITHUB_RUN_ID ?? '',
    runAttempt: env.GITHUB_RUN_ATTEMPT ?? '1',
    actor: env.GITHUB_ACTOR ?? '',
    serverUrl: env.GITHUB_SERVER_URL ?? 'https://github.com',
    apiUrl: env.GITHUB_API_URL ?? 'https://api.github.com',
    workspace: env.GITHUB_WORKSPACE ?? process.cwd(),
    event: parseEvent(eventName, payload, eventPath),
  };
}

export function parseRepository(fullName: string, where: string): RepoRef {
  const match = /^([A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)\/([A-Za-z0-9._-]+)$/.exec(fullName);
  if (!match) throw new ContextError('missing-env', `"${fullName}" is not an "owner/repo" name`, where);
  return { owner: match[1]!, repo: match[2]!, fullName };
}

/** Narrows an event payload by event name. Exported for tests and for replaying saved events. */
export function parseEvent(eventName: string, payload: Record<string, unknown>, file = '<event>'): GitHubEvent {
  const read = new PayloadReader(payload, file);
  switch (eventName) {
    case 'pull_request': {
      const base = { sha: read.string('pull_request.base.sha'), ref: read.string('pull_request.base.ref'), repoFullName: read.string('pull_request.base.repo.full_name') };
      const head = { sha: read.string('pull_request.head.sha'), ref: read.string('pull_request.head.ref'), repoFullName: read.optionalString('pull_request.head.repo.full_name') ?? '' };
      return {
        kind: 'pull_request',
        action: read.string('action'),
        pullRequest: {
          number: read.integer('pull_request.number'),
          title: read.optionalString('pull_request.title') ?? '',
          draft: read.optionalBoolean('pull_request.draft') ?? false,
          base,
          head,
          // A deleted fork has no head repo; treat it as a fork (least trust).
          isFork: head.repoFullName === '' || head.repoFullName.toLowerCase() !== base.repoFullName.toLowerCase(),
        },
      };
    }
    case 'push':
      return {
        kind: 'push',
        ref: read.string('ref'),
        before: read.string('before'),
        after: read.string('after'),
        created: read.optionalBoolean('created') ?? false,
        deleted: read.optionalBoolean('deleted') ?? false,
        forced: read.optionalBoolean('forced') ?? false,
      };
    case 'repository_dispatch':
      return { kind: 'repository_dispatch', eventType: read.string('action'), clientPayload: payload.client_payload ?? null };
    case 'schedule':
      return { kind: 'schedule', schedule: read.string('schedule') };
    case 'workflow_dispatch': {
      const inputs = payload.inputs ?? {};
      if (!isRecord(inputs)) throw new ContextError('event-payload-invalid', `must be an object, found ${describe(inputs)}`, `${file}#inputs`);
      const flat: Record<string, string> = {};
      // The runner delivers boolean/number inputs as JSON scalars; actions see them as strings like core.getInput does.
      for (const [key, value] of Object.entries(inputs)) flat[key] = typeof value === 'string' ? value : JSON.stringify(value);
      return { kind: 'workflow_dispatch', inputs: flat, ref: read.optionalString('ref') ?? '' };
    }
    case 'workflow_run':
      return {
        kind: 'workflow_run',
        action: read.string('action'),
        workflowRun: {
          id: read.integer('workflow_run.id'),
          name: read.optionalString('workflow_run.name') ?? '',
          event: read.string('workflow_run.event'),
          conclusion: read.optionalString('workflow_run.conclusion') ?? null,
          headSha: read.string('workflow_run.head_sha'),
          headBranch: read.optionalString('workflow_run.head_branch') ?? null,
          headRepoFullName: read.optionalString('workflow_run.head_repository.full_name') ?? '',
        },
      };
    default:
      return { kind: 'other', eventName, payload };
  }
}

class PayloadReader {
  constructor(
    private readonly payload: Record<string, unknown>,
    private readonly file: string,
  ) {}

  private lookup(path: string): unknown {
    let node: unknown = this.payload;
    for (const key of path.split('.')) {
      if (!isRecord(node)) return undefined;
      node = node[key];
    }
    return node;
  }

  private fail(path: string, expected: string, value: unknown): never {
    throw new ContextError('event-payload-invalid', `expected ${expected}, found ${describe(value)}`, `${this.file}#${path}`);
  }

  string(path: string): string {
    const value = this.lookup(path);
    return typeof value === 'string' ? value : this.fail(path, 'a string', value);
  }

  optionalString(path: string): string | undefined {
    const value = this.lookup(path);
    if (value === undefined || value === null) return undefined;
    return typeof value === 'string' ? value : this.fail(path, 'a string', value);
  }

  integer(path: string): number {
    const value = this.lookup(path);
    return Number.isInteger(value) ? (value as number) : this.fail(path, 'an integer', value);
  }

  optionalBoolean(path: string): boolean | undefined {
    const value = this.lookup(path);
    if (value === undefined || value === null) return undefined;
    return typeof value === 'boolean' ? value : this.fail(path, 'a boolean', value);
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'string' ? `the string ${JSON.stringify(value.slice(0, 40))}` : `a ${typeof value}`;
}
