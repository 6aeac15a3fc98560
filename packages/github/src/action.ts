import { createGitHubAdapter, type GitHubAdapter } from './adapter.ts';
import type { GitHubContext, RepoRef } from './context.ts';
import { createOctokit, tuningFromEnv } from './octokit.ts';

/** Helpers every action's `main.ts` shares, so each stays a few lines of input/output mapping. */

export class InputError extends Error {
  override readonly name = 'InputError';
  constructor(
    readonly input: string,
    message: string,
  ) {
    super(`input "${input}": ${message}`);
  }
}

/** The adapter for the workflow's repository (or `repository`), talking to `GITHUB_API_URL`. */
export function createActionAdapter(token: string, context: GitHubContext, repository: RepoRef = context.repository, env: Readonly<Record<string, string | undefined>> = process.env): GitHubAdapter {
  if (token === '') throw new InputError('token', 'is empty; pass `${{ github.token }}` or an app token');
  const octokit = createOctokit({ token, baseUrl: context.apiUrl, tuning: tuningFromEnv(env) });
  return createGitHubAdapter(octokit, repository);
}

/** `''` → undefined; otherwise a positive integer or an InputError naming the input. */
export function parsePositiveIntegerInput(input: string, raw: string): number | undefined {
  const trimmed = raw.trim();
  if (trimmed === '') return undefined;
  if (!/^[1-9][0-9]*$/.test(trimmed)) throw new InputError(input, `expected a positive integer, found "${raw}"`);
  return Number(trimmed);
}
