import { Octokit } from '@octokit/core';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import Bottleneck from 'bottleneck';

/**
 * The one Octokit the actions use: @octokit/core + retry (5xx and other transient errors,
 * with backoff) + throttling (primary and secondary rate limits, honouring `retry-after`).
 * Writes are spaced the way GitHub asks integrators to (1s, 3s for notification-triggering
 * writes such as comments); tests shrink every delay through `RetryTuning`.
 */

export interface RetryTuning {
  /** Retries for 5xx/transient failures of idempotent requests (default 3). */
  retries?: number;
  /** Multiplier in ms for both plugins' delays: retry backoff is n² × base, rate limits wait retry-after × base (default 1000). */
  baseDelayMs?: number;
  /** Retries after a (secondary) rate limit before giving up (default 2). */
  rateLimitRetries?: number;
  /** Minimum gap between writes (default 1000) and between notification-triggering writes (default 3000). */
  minWriteIntervalMs?: number;
  minNotificationIntervalMs?: number;
}

export interface CreateOctokitOptions {
  token: string;
  /** Defaults to `https://api.github.com`; in actions pass `GITHUB_API_URL` (GHES, or the test double). */
  baseUrl?: string;
  userAgent?: string;
  tuning?: RetryTuning;
  log?: (level: 'debug' | 'info' | 'warn', message: string) => void;
}

export const CarbonOctokit = Octokit.plugin(retry, throttling);
export type GitHubClient = InstanceType<typeof CarbonOctokit>;

export function createOctokit(options: CreateOctokitOptions): GitHubClient {
  const tuning = options.tuning ?? {};
  const base = tuning.baseDelayMs ?? 1000;
  const rateLimitRetries = tuning.rateLimitRetries ?? 2;
  const log = options.log ?? (() => undefined);
  const onLimit = (kind: string) => (retryAfter: number, request: { method: string; url: string }, _octokit: unknown, retryCount: number) => {
    if (isReconciledCreate(request.method, request.url)) {
      // A rate-limited reply does not prove the create was not stored: the caller re-lists by marker first.
      log('warn', `${kind} rate limit on ${request.method} ${request.url}; not retried here (the caller reconciles before creating again)`);
      return false;
    }
    const willRetry = retryCount < rateLimitRetries;
    log('warn', `${kind} rate limit on ${request.method} ${request.url}; ${willRetry ? `retrying after ${retryAfter}s` : 'giving up'}`);
    return willRetry;
  };
  return new CarbonOctokit({
    auth: options.token,
    baseUrl: (options.baseUrl ?? 'https://api.github.com').replace(/\/+$/, ''),
    userAgent: options.userAgent ?? 'carbon-platform-actions',
    log: {
      debug: (message: string) => log('debug', message),
      info: (message: string) => log('info', message),
      warn: (message: string) => log('warn', message),
      error: (message: string) => log('warn', message),
    },
    // Not `request.retries`: plugin-retry treats a per-request count as "retry whatever the status", 404s included.
    // 429 is left to the throttling plugin, which honours retry-after; retrying it here too would multiply attempts.
    retry: { retries: tuning.retries ?? 3, retryAfterBaseValue: base, doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451] },
    throttle: {
      // Own groups (not the plugin's process-wide ones) so the spacing is per client and tunable.
      id: `carbon-${Math.random().toString(36).slice(2)}`,
      retryAfterBaseValue: base,
      write: new Bottleneck.Group({ maxConcurrent: 1, minTime: tuning.minWriteIntervalMs ?? 1000 }),
      notifications: new Bottleneck.Group({ maxConcurrent: 1, minTime: tuning.minNotificationIntervalMs ?? 3000 }),
      onRateLimit: onLimit('primary'),
      onSecondaryRateLimit: onLimit('secondary'),
    },
  });
}

/**
 * Tuning from `CARBON_GITHUB_RETRY_BASE_MS` / `CARBON_GITHUB_WRITE_INTERVAL_MS`, so a bundled
 * action run by the test harness (or by hand against a double) need not sleep GitHub's real delays.
 * Unset in real workflows, where the defaults apply.
 */
export function tuningFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): RetryTuning {
  const number = (name: string): number | undefined => {
    const raw = env[name];
    if (raw === undefined || raw === '') return undefined;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < 0) throw new Error(`${name}: expected a non-negative number of milliseconds, found "${raw}"`);
    return value;
  };
  const write = number('CARBON_GITHUB_WRITE_INTERVAL_MS');
  return {
    baseDelayMs: number('CARBON_GITHUB_RETRY_BASE_MS'),
    minWriteIntervalMs: write,
    minNotificationIntervalMs: write,
  };
}

/**
 * Creates whose callers find what a failed attempt may have stored (a comment by its marker, a pull
 * request by its head branch) before trying again. Neither plugin retries them: not on 5xx
 * (`retries: 0` per request) and not on a rate-limit reply (403/429), which GitHub may send after
 * storing the write.
 */
const RECONCILED_CREATES = [/\/issues\/(\{issue_number\}|\d+)\/comments$/, /\/repos\/[^/]+\/[^/]+\/pulls$/];

export function isReconciledCreate(method: string, url: string): boolean {
  const path = url.split('?')[0] ?? '';
  return method.toUpperCase() === 'POST' && RECONCILED_CREATES.some((re) => re.test(path));
}

/** A rate-limit reply (primary or secondary): 429, or 403 with retry-after, an exhausted quota or GitHub's wording. */
export function isRateLimited(error: unknown): boolean {
  const e = error as { status?: unknown; message?: unknown; response?: { headers?: Record<string, string | undefined> } } | null;
  if (e?.status === 429) return true;
  if (e?.status !== 403) return false;
  const headers = e.response?.headers ?? {};
  return headers['retry-after'] !== undefined || headers['x-ratelimit-remaining'] === '0' || /rate limit/i.test(String(e.message ?? ''));
}

/** Seconds GitHub asked us to wait (retry-after), if it said. */
export function retryAfterSeconds(error: unknown): number | undefined {
  const raw = (error as { response?: { headers?: Record<string, string | undefined> } } | null)?.response?.headers?.['retry-after'];
  const n = Number(raw);
  return raw !== undefined && Number.isFinite(n) && n >= 0 ? n : undefined;
}

/** True when a failed write may still have been carried out: a 5xx, a dropped connection (Octokit reports 500) or a rate-limit reply. */
export function mayHaveBeenStored(error: unknown): boolean {
  const status = httpStatusOf(error);
  return (status !== undefined && status >= 500) || isRateLimited(error);
}

/** HTTP status of an Octokit `RequestError`, or undefined for network/other errors. */
export function httpStatusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : undefined;
}
