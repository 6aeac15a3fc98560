import type { GitHubAdapter, IssueComment } from './adapter.ts';
import { mayHaveBeenStored, retryAfterSeconds } from './octokit.ts';

/**
 * A "sticky" PR comment: one logical comment per key that later runs update in place.
 * Each comment body starts with the hidden marker `<!-- carbon:<key> -->`; a body longer than
 * GitHub's limit is split into numbered parts (`part 2/3`), and parts a shorter re-run no
 * longer needs are deleted.
 */

/** GitHub rejects issue comment bodies longer than this (counted in characters). */
export const GITHUB_COMMENT_MAX_LENGTH = 65_536;

export type CommentsApi = Pick<GitHubAdapter, 'listIssueComments' | 'createIssueComment' | 'updateIssueComment' | 'deleteIssueComment'>;

export interface StickyCommentInput {
  issueNumber: number;
  /** Identifies the comment among others on the PR: letters, digits, `.`, `_`, `-`. */
  key: string;
  body: string;
  /** Only comments by this login count as ours (so a user quoting the marker cannot redirect our edits). */
  author?: string;
  /** Defaults to GitHub's limit; smaller values are for tests and previews. */
  maxLength?: number;
  /** Attempts at creating one part when GitHub answers 5xx, a rate limit, or the connection drops (default 3). */
  maxCreateAttempts?: number;
  /** Pause between create attempts, multiplied by the attempt number (default 1000); a rate limit's retry-after counts in these units too. */
  createRetryDelayMs?: number;
}

export type PartAction = 'created' | 'updated' | 'unchanged';

export interface StickyPart {
  part: number;
  commentId: number;
  htmlUrl: string;
  action: PartAction;
}

export interface StickyCommentResult {
  /** `created`: no comment existed; `unchanged`: every part already said this; `updated`: anything else. */
  outcome: 'created' | 'updated' | 'unchanged';
  parts: StickyPart[];
  /** Ids of stale parts (or duplicates) that were deleted. */
  deleted: number[];
}

export class StickyCommentError extends Error {
  override readonly name = 'StickyCommentError';
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(`${field}: ${message}`);
  }
}

const KEY_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

export function markerFor(key: string): string {
  if (!KEY_PATTERN.test(key)) {
    throw new StickyCommentError(`"${key}" is not a valid key: use 1-100 letters, digits, ".", "_" or "-", starting with a letter or digit`, 'key');
  }
  return `<!-- carbon:${key} -->`;
}

function partHeader(key: string, part: number, total: number): string {
  return total === 1 ? `${markerFor(key)}\n` : `${markerFor(key)}\n<!-- carbon:${key} part ${part}/${total} -->\n`;
}

function partFooter(part: number, total: number): string {
  return total === 1 ? '' : `\n\n<sub>part ${part}/${total}</sub>`;
}

/** The comment bodies to post for `body`, each within `maxLength` characters. */
export function renderStickyParts(key: string, body: string, maxLength = GITHUB_COMMENT_MAX_LENGTH): string[] {
  const normalized = normalize(body);
  const single = partHeader(key, 1, 1) + normalized;
  if (single.length <= maxLength) return [single];
  // Reserve room for the largest header/footer any part can get (three-digit part numbers).
  const overhead = partHeader(key, 999, 999).length + partFooter(999, 999).length;
  const budget = maxLength - overhead;
  if (budget < 512) throw new StickyCommentError(`${maxLength} leaves no room for a body after the part markers`, 'maxLength');
  const chunks = splitMarkdown(normalized, budget);
  if (chunks.length > 999) throw new StickyCommentError(`needs ${chunks.length} comments; at most 999 parts are supported`, 'body');
  return chunks.map((chunk, index) => partHeader(key, index + 1, chunks.length) + chunk + partFooter(index + 1, chunks.length));
}

interface Fence {
  marker: string;
  line: string;
}

const FENCE_RESERVE = 256;

/**
 * Splits markdown into chunks of at most `limit` characters, preferring line boundaries and
 * keeping code fences balanced: a chunk that ends inside a fence closes it, and the next one
 * reopens it with the same info string.
 */
export function splitMarkdown(text: string, limit: number): string[] {
  if (text.length <= limit) return [text];
  const chunks: string[] = [];
  let current = '';
  let carried = ''; // the fence line the current chunk was reopened with
  let fence: Fence | undefined;
  const closing = (state: Fence | undefined, chunk: string) => (state ? `${chunk.endsWith('\n') ? '' : '\n'}${state.marker}\n` : '');
  const flush = () => {
    chunks.push(current + closing(fence, current));
    carried = fence ? `${fence.line}\n` : '';
    current = carried;
  };
  for (const line of linesOf(text)) {
    const pieces = line.length > limit - 2 * FENCE_RESERVE ? hardSplit(line, limit - 2 * FENCE_RESERVE) : [line];
    for (const piece of pieces) {
      const next = nextFence(fence, piece);
      if (current.length > carried.length && current.length + piece.length + closing(next, current + piece).length > limit) flush();
      current += piece;
      fence = next;
    }
  }
  if (current.length > carried.length) chunks.push(current);
  // A fence line longer than FENCE_RESERVE could still overflow; cut such chunks blindly rather than exceed the limit.
  return chunks.flatMap((chunk) => (chunk.length <= limit ? [chunk] : hardSplit(chunk, limit)));
}

function nextFence(fence: Fence | undefined, line: string): Fence | undefined {
  const trimmed = line.trim();
  const match = /^(`{3,}|~{3,})/.exec(trimmed);
  if (!match) return fence;
  if (!fence) return { marker: match[1]!, line: trimmed.slice(0, FENCE_RESERVE - 8) };
  const closes = trimmed[0] === fence.marker[0] && match[1]!.length >= fence.marker.length && trimmed.length === match[1]!.length;
  return closes ? undefined : fence;
}

function linesOf(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

function hardSplit(text: string, size: number): string[] {
  const pieces: string[] = [];
  let start = 0;
  while (start < text.length) {
    let end = Math.min(start + size, text.length);
    // Never separate a surrogate pair.
    if (end < text.length && /[\uD800-\uDBFF]/.test(text[end - 1]!)) end -= 1;
    pieces.push(text.slice(start, end));
    start = end;
  }
  return pieces;
}

function normalize(body: string): string {
  return body.replace(/\r\n/g, '\n');
}

function partOf(key: string, body: string): number | undefined {
  const marker = markerFor(key);
  if (!(body === marker || body.startsWith(`${marker}\n`))) return undefined;
  const numbered = new RegExp(`^<!-- carbon:${key.replace(/[.]/g, '\\.')} part (\\d+)/(\\d+) -->$`, 'm').exec(body);
  return numbered ? Number(numbered[1]) : 1;
}

/** Posts or updates the sticky comment for `input.key`; safe to re-run. */
export async function upsertStickyComment(api: CommentsApi, input: StickyCommentInput): Promise<StickyCommentResult> {
  const desired = renderStickyParts(input.key, input.body, input.maxLength);
  const isOurs = (comment: IssueComment) => (input.author === undefined || comment.author === input.author) && partOf(input.key, comment.body) !== undefined;

  const existing = (await api.listIssueComments(input.issueNumber))
    .filter(isOurs)
    .map((comment) => ({ comment, part: partOf(input.key, comment.body)! }))
    .sort((a, b) => a.part - b.part || a.comment.id - b.comment.id);
  const kept = new Map<number, IssueComment>();
  const stale: IssueComment[] = [];
  for (const { comment, part } of existing) {
    if (part <= desired.length && !kept.has(part)) kept.set(part, comment);
    else stale.push(comment);
  }

  const parts: StickyPart[] = [];
  for (const [index, body] of desired.entries()) {
    const part = index + 1;
    const current = kept.get(part);
    if (current && normalize(current.body) === body) {
      parts.push({ part, commentId: current.id, htmlUrl: current.htmlUrl, action: 'unchanged' });
    } else if (current) {
      const updated = await api.updateIssueComment(current.id, body);
      parts.push({ part, commentId: updated.id, htmlUrl: updated.htmlUrl, action: 'updated' });
    } else {
      const created = await createWithoutDuplicates(api, input, body, isOurs);
      parts.push({ part, commentId: created.id, htmlUrl: created.htmlUrl, action: 'created' });
    }
  }

  // Delete only after every current part is in place, so readers never see the comment vanish.
  for (const comment of stale) await api.deleteIssueComment(comment.id);

  const outcome = existing.length === 0 ? 'created' : stale.length === 0 && parts.every((p) => p.action === 'unchanged') ? 'unchanged' : 'updated';
  return { outcome, parts, deleted: stale.map((comment) => comment.id) };
}

/**
 * Creating a comment is not idempotent: after a 5xx, a dropped connection or a rate-limit reply
 * (403/429) GitHub may have stored it anyway. So before trying again (after retry-after, when
 * GitHub gives one), list the comments and adopt an identical one of ours.
 */
async function createWithoutDuplicates(api: CommentsApi, input: StickyCommentInput, body: string, isOurs: (comment: IssueComment) => boolean): Promise<IssueComment> {
  const attempts = input.maxCreateAttempts ?? 3;
  const delayMs = input.createRetryDelayMs ?? 1000;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await api.createIssueComment(input.issueNumber, body);
    } catch (error) {
      // Octokit reports dropped connections as status 500 too; anything else (a 403 without a rate
      // limit, a 422) is a bug or a permission, not a blip.
      if (!mayHaveBeenStored(error) || attempt >= attempts) throw error;
      const wait = delayMs * Math.max(attempt, retryAfterSeconds(error) ?? 0);
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const adopted = (await api.listIssueComments(input.issueNumber)).find((comment) => isOurs(comment) && normalize(comment.body) === body);
      if (adopted) return adopted;
    }
  }
}
