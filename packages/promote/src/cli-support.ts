import { join } from 'node:path';
import { createGitHubAdapter, createOctokit, type GitHubAdapter } from '@carbon/github';
import { generate } from '@carbon/generate';
import { exec, ExecError, type Runner } from '@carbon/toolchain';
import { multiNodeDiff } from './diff.ts';
import { createGit } from './git.ts';
import type { Outcome, PromoteDeps } from './promote.ts';

/**
 * Wiring for the CLI and the workflow: GitHub from GITHUB_TOKEN / GITHUB_REPOSITORY /
 * GITHUB_API_URL (absent token → plan only), the real generator and the reviewer diff.
 */
export function depsFromEnv(root: string, env: Readonly<Record<string, string | undefined>>, options: { dryRun?: boolean } = {}): PromoteDeps {
  return {
    root,
    git: createGit(root),
    github: options.dryRun ? undefined : githubFromEnv(env),
    now: () => new Date(),
    regenerate: async (dir) => {
      await generate(dir);
    },
    diff: multiNodeDiff,
    dryRun: options.dryRun === true || !env.GITHUB_TOKEN,
    ...(env.GITHUB_ACTOR ? { actor: env.GITHUB_ACTOR } : {}),
  };
}

/**
 * Regenerates a worktree with the checkout's own `platform generate` (argv, no shell), as the
 * promotion PR's `generate --check` will. For the bundled promote action: a bundle running on plain
 * Node cannot import the TypeScript service definitions, and a generator frozen into the bundle
 * could disagree with the one the PR is checked against.
 */
export function checkoutGenerator(root: string, runner: Runner = exec): (dir: string) => Promise<void> {
  const cli = join(root, 'packages', 'cli', 'bin', 'platform.mjs');
  return async (dir) => {
    const result = await runner(process.execPath, [cli, 'generate'], { cwd: dir, timeoutMs: 10 * 60_000 });
    if (result.exitCode !== 0) throw new ExecError('platform', ['generate'], result);
  };
}

function githubFromEnv(env: Readonly<Record<string, string | undefined>>): GitHubAdapter | undefined {
  const token = env.GITHUB_TOKEN;
  const repository = env.GITHUB_REPOSITORY ?? '';
  if (!token) return undefined;
  const match = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/.exec(repository);
  if (!match) throw new Error(`GITHUB_REPOSITORY must be "owner/name" when GITHUB_TOKEN is set (got "${repository.slice(0, 100)}")`);
  return createGitHubAdapter(createOctokit({ token, baseUrl: env.GITHUB_API_URL ?? 'https://api.github.com' }), { owner: match[1]!, repo: match[2]!, fullName: repository });
}

export function formatOutcome(outcome: Outcome): string {
  const lines = [`${outcome.status}${outcome.service ? ` ${outcome.service}` : ''}: ${outcome.message}`];
  if (outcome.prUrl) lines.push(`  pull request: ${outcome.prUrl}`);
  if (outcome.reopensAt) lines.push(`  reopens at: ${outcome.reopensAt}`);
  for (const g of outcome.gates ?? []) lines.push(`  ${g.status.padEnd(4)} ${g.gate}: ${g.detail}`);
  return `${lines.join('\n')}\n`;
}
