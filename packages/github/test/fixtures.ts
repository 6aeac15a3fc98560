import { afterEach, beforeEach } from 'vitest';
import { createGitHubAdapter, createOctokit, type GitHubAdapter, type GitHubClient, type RetryTuning } from '../src/index.ts';
import { startApiDouble, type ApiDouble, type SeedRepo } from '../src/testing/index.ts';

export const REPO = 'acme/platform';
/** Every delay shrunk so retries and rate limits take milliseconds. */
export const FAST: RetryTuning = { baseDelayMs: 1, minWriteIntervalMs: 0, minNotificationIntervalMs: 0 };

export interface DoubleFixture {
  double: ApiDouble;
  octokit: GitHubClient;
  github: GitHubAdapter;
  /** An open PR seeded in REPO (head `feature`). */
  pr: number;
}

/** A fresh double per test with REPO seeded; `checkViolations` asserts none after each test. */
export function useApiDouble(options: { seed?: SeedRepo; checkViolations?: boolean } = {}): DoubleFixture {
  const fixture = {} as DoubleFixture;
  beforeEach(async () => {
    fixture.double = await startApiDouble();
    fixture.double.seedRepo(REPO, options.seed);
    fixture.pr = fixture.double.seedPullRequest(REPO, { head: 'feature' });
    fixture.octokit = createOctokit({ token: 't0ken', baseUrl: fixture.double.url, tuning: FAST });
    fixture.github = createGitHubAdapter(fixture.octokit, { owner: 'acme', repo: 'platform', fullName: REPO });
  });
  afterEach(async () => {
    try {
      if (options.checkViolations) fixture.double.assertNoViolations();
    } finally {
      await fixture.double.close();
    }
  });
  return fixture;
}
