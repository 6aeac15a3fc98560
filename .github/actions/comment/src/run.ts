import { InputError, type CommentsApi, type GitHubContext, upsertStickyComment } from '@carbon/github';
import { isAbsolute, join } from 'node:path';

export interface Inputs {
  key: string;
  body: string;
  bodyFile: string;
  issueNumber: number | undefined;
  /** '' accepts comments by anyone. */
  commentAuthor: string;
}

export interface Outputs {
  'comment-id': string;
  'comment-url': string;
  parts: string;
  outcome: 'created' | 'updated' | 'unchanged';
  deleted: string;
}

export interface Deps {
  github: CommentsApi;
  readFile: (path: string) => Promise<string>;
  maxLength?: number;
}

export async function run(inputs: Inputs, context: GitHubContext, deps: Deps): Promise<{ outputs: Outputs; summary: string }> {
  const issueNumber = inputs.issueNumber ?? (context.event.kind === 'pull_request' ? context.event.pullRequest.number : undefined);
  if (issueNumber === undefined) {
    throw new InputError('issue-number', `is required when the event is "${context.eventName}" (only pull_request events carry a PR number)`);
  }
  const body = await resolveBody(inputs, context.workspace, deps.readFile);

  const result = await upsertStickyComment(deps.github, {
    issueNumber,
    key: inputs.key,
    body,
    ...(inputs.commentAuthor !== '' ? { author: inputs.commentAuthor } : {}),
    ...(deps.maxLength !== undefined ? { maxLength: deps.maxLength } : {}),
  });

  const first = result.parts[0]!;
  const rows = result.parts.map((part) => `| ${part.part} | [${part.commentId}](${part.htmlUrl}) | ${part.action} |`);
  const summary = [
    `### Sticky comment \`${inputs.key}\` on #${issueNumber}: ${result.outcome}`,
    '',
    '| part | comment | action |',
    '| --- | --- | --- |',
    ...rows,
    '',
    result.deleted.length > 0 ? `Deleted ${result.deleted.length} stale part(s).` : 'No stale parts.',
    '',
  ].join('\n');

  return {
    outputs: {
      'comment-id': String(first.commentId),
      'comment-url': first.htmlUrl,
      parts: String(result.parts.length),
      outcome: result.outcome,
      deleted: String(result.deleted.length),
    },
    summary,
  };
}

async function resolveBody(inputs: Inputs, workspace: string, readFile: Deps['readFile']): Promise<string> {
  if (inputs.body !== '' && inputs.bodyFile !== '') throw new InputError('body', 'give either "body" or "body-file", not both');
  if (inputs.bodyFile !== '') {
    const path = isAbsolute(inputs.bodyFile) ? inputs.bodyFile : join(workspace, inputs.bodyFile);
    try {
      return await readFile(path);
    } catch (error) {
      throw new InputError('body-file', `cannot read ${path} (${(error as Error).message})`);
    }
  }
  if (inputs.body === '') throw new InputError('body', 'give "body" or "body-file"');
  return inputs.body;
}
