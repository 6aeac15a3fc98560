import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { listServiceDirs } from '@carbon/generate';
import { mayHaveBeenStored, retryAfterSeconds, upsertStickyComment, type GitHubAdapter, type PullRequest } from '@carbon/github';
import { EventError, parseFluxEvent, type PromotionEvent } from './event.ts';
import { describeInZone, evaluateFreeze } from './freeze.ts';
import type { Git } from './git.ts';
import { loadPolicy, policyFor, type PromotionPolicy, type ServicePolicy } from './policy.ts';
import { branchFor, decodeState, renderBody, type FailureRecord, type GateResult, type PromotionKind, type PromotionState } from './pr.ts';
import { appendAudit, commitMessage, logPath, pinsPath, previousPin, readAudit, readPin, writePin, type AuditEntry } from './record.ts';

/**
 * The promotion loop: event → gates → a branch moving one pin → a PR that carries its own state;
 * later events and the scheduled run re-read that state. Every effect goes through `deps`
 * (git argv runner, GitHub adapter, clock, regenerate, diff) so tests drive it end to end.
 */

export interface DiffRequest {
  /** Checkout to read from (repo root). */
  root: string;
  cluster: string;
  service: string;
  /** Old and new pin. */
  fromPin: string | null;
  toPin: string;
  /** main (pins before) and the promotion branch's commit (pins after): a pin-aware diff compares these. */
  baseCommit: string;
  headCommit: string;
}

export interface PromotionDiff {
  markdown: string;
  /** One line per high-level risk of the promoted service on the target cluster. */
  highRisks: string[];
}

export interface PromoteDeps {
  root: string;
  git: Git;
  /** Absent: plan only (nothing is pushed or written to GitHub). */
  github: GitHubAdapter | undefined;
  now: () => Date;
  /** Re-renders generated files in a checkout (default: `generate(dir)` from @carbon/generate). */
  regenerate: (dir: string) => Promise<void>;
  /**
   * "What multi-node receives" between two pins: markdown, or markdown and the high risks in it
   * (a manual promotion carrying one waits for a human); a placeholder when absent.
   */
  diff?: (request: DiffRequest) => Promise<string | PromotionDiff>;
  remote?: string;
  dryRun?: boolean;
  /** Who asked (workflow actor or `event`); recorded in the audit trail. */
  actor?: string;
  /** Attempts per idempotent GitHub write of a failure record (default 4). */
  writeAttempts?: number;
  /** Pause between those attempts, × the attempt number or GitHub's retry-after in seconds (default 1000 ms). */
  retryDelayMs?: number;
}

export type OutcomeStatus = 'rejected' | 'ignored' | 'noop' | 'unchanged' | 'opened' | 'updated' | 'merged' | 'blocked' | 'deferred' | 'waiting' | 'planned';

export interface Outcome {
  status: OutcomeStatus;
  /** 0 ok, 1 a gate refused, 2 bad input. */
  exit: 0 | 1 | 2;
  service?: string;
  message: string;
  gate?: string;
  pr?: number;
  prUrl?: string;
  gates?: GateResult[];
  reopensAt?: string;
}

const HARD_GATES = ['source-env', 'success', 'on-main', 'descendant', 'changes'] as const;

interface Context {
  policy: PromotionPolicy;
  services: Set<string>;
  baseRef: string;
}

async function loadContext(deps: PromoteDeps): Promise<Context> {
  const policy = loadPolicy(deps.root);
  return { policy, services: new Set(listServiceDirs(deps.root)), baseRef: `${deps.remote ?? 'origin'}/${policy.branch}` };
}

async function fetchBase(deps: PromoteDeps, ctx: Context): Promise<void> {
  const remote = deps.remote ?? 'origin';
  await deps.git.run(['fetch', '--quiet', remote, `+refs/heads/${ctx.policy.branch}:refs/remotes/${remote}/${ctx.policy.branch}`]);
}

/** Fetches main; a dry run reads what is there, falling back to the local branch when there is no remote. */
async function prepareBase(deps: PromoteDeps, ctx: Context): Promise<void> {
  if (!deps.dryRun) return fetchBase(deps, ctx);
  if (!(await deps.git.isCommit(ctx.baseRef))) ctx.baseRef = ctx.policy.branch;
}

/** Where the service's multi-node output lives: exactly what its GitRepository (ignore: allow-list) ships. */
export function outputPaths(service: string, cluster: string): string[] {
  return [`apps/${service}/deploy/base`, `apps/${service}/deploy/overlays/${cluster}`];
}

// ---------------------------------------------------------------- service names

const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** Bad usage: a service name that is not a DNS-1123 label or names no apps/<name>. `message` lists the valid choices. */
export class ServiceNameError extends Error {
  override readonly name = 'ServiceNameError';
}

/**
 * Why `name` is not a service of this repository (with the valid choices), or undefined when it is.
 * The name is compared with the apps/ folders, never joined into a path or a ref.
 */
export function serviceNameProblem(name: string, services: ReadonlySet<string>): string | undefined {
  if (services.has(name)) return undefined;
  const shown = name.replace(/[^a-z0-9-]/g, '?').slice(0, 63);
  const why = DNS_LABEL.test(name) ? `no service "${shown}" under apps/` : `"${shown}" is not a service name (a DNS-1123 label: lowercase letters, digits and "-", at most 63 characters)`;
  return `${why}; valid choices: ${[...services].sort().join(', ') || '(none: apps/ holds no service)'}`;
}

// ---------------------------------------------------------------- events

export async function handleEvent(raw: unknown, deps: PromoteDeps): Promise<Outcome> {
  const ctx = await loadContext(deps);
  let event: PromotionEvent;
  try {
    event = parseFluxEvent(raw, { services: ctx.services, namespace: ctx.policy.namespace, branch: ctx.policy.branch, successReasons: [...new Set([...ctx.policy.defaults.successReasons, ...[...ctx.policy.services.values()].flatMap((s) => s.successReasons ?? [])])], now: deps.now() });
  } catch (error) {
    if (error instanceof EventError) return { status: 'rejected', exit: 2, gate: 'event', message: error.message };
    throw error;
  }
  const policy = policyFor(ctx.policy, event.service);
  if (event.env !== policy.sourceEnv) {
    return { status: 'rejected', exit: 1, gate: 'source-env', service: event.service, message: `event env is "${event.env ?? '(none)'}"; only "${policy.sourceEnv}" events promote (set eventMetadata.env on the Alert)` };
  }
  if (event.outcome === 'failure') return recordFailure(event, deps, ctx);
  if (event.outcome === 'progress' || (!event.healthCheckPassed && !policy.successReasons.includes(event.reason))) {
    return { status: 'ignored', exit: 0, service: event.service, gate: 'success', message: `${event.severity}/${event.reason} is not a success event for ${event.service}; success: reasons ${policy.successReasons.join(', ')} or "Health check passed in …"` };
  }
  return promoteRevision({ service: event.service, revision: event.revision, event }, deps, ctx);
}

async function recordFailure(event: PromotionEvent, deps: PromoteDeps, ctx: Context): Promise<Outcome> {
  const branch = branchFor('promote', event.service);
  const pr = deps.github ? await deps.github.findOpenPullRequestByHead(branch) : undefined;
  const state = pr ? decodeState(pr.body) : undefined;
  if (!pr || !state || state.service !== event.service || state.to !== event.revision) {
    return { status: 'ignored', exit: 0, service: event.service, message: `failure ${event.reason} for ${event.service}@${event.revision.slice(0, 12)}; no pending promotion of that revision, so nothing is promoted` };
  }
  const why = `single-node reported ${event.reason} for ${event.service}@${event.revision.slice(0, 12)} at ${event.timestamp}; the promotion is blocked until a later healthy event`;
  const base = { service: event.service, pr: pr.number, prUrl: pr.htmlUrl };
  const recorded = state.eventIds.includes(event.eventId);
  const failure: FailureRecord = state.failures.find((f) => f.eventId === event.eventId) ?? { at: event.timestamp, reason: event.reason, eventId: event.eventId, message: event.message };
  if (recorded && !state.failures.some((f) => f.eventId === event.eventId)) return { ...base, status: 'unchanged', exit: 0, message: `event ${event.eventId} was already handled by #${pr.number}; nothing changed` };
  if (deps.dryRun || !deps.github) return { ...base, status: 'blocked', exit: 0, message: why };
  // The record is three writes (state, comment, label) that must all land, in this order: the state
  // first, because it is what stops the scheduled run from merging. Each write is idempotent and
  // retried; a redelivered event (or the scheduled run) completes whatever a fault interrupted.
  const next: PromotionState = recorded ? state : { ...state, failures: [...state.failures, failure], eventIds: [...state.eventIds, event.eventId] };
  if (!recorded) await persistently(deps, () => refreshPullRequest(pr, next, deps, ctx));
  const completed = await ensureFailureNotices(pr, next, failure, deps);
  if (recorded && !completed.length) return { ...base, status: 'unchanged', exit: 0, message: `failure event ${event.eventId} is already recorded on #${pr.number} (state, comment and label)` };
  return { ...base, status: 'blocked', exit: 0, message: recorded ? `${why} (completed on redelivery: ${completed.join(', ')})` : why };
}

export const BLOCKED_LABEL = 'promotion-blocked';

/** The comment saying why a failure blocks the promotion; built from the recorded state alone, so any later run can post it. */
export function blockedComment(state: PromotionState, failure: FailureRecord): string {
  const why = `single-node reported ${failure.reason} for ${state.service}@${state.to.slice(0, 12)} at ${failure.at}; the promotion is blocked until a later healthy event`;
  // The message is shown only inside a 4-backtick fence (a run of 4+ backticks in it is shortened so it cannot close the fence).
  return `⛔ Promotion blocked: ${why}.\n\n\`\`\`\`text\n${failure.message.replace(/`{4,}/g, '```') || '(no message)'}\n\`\`\`\``;
}

/**
 * Makes sure the failure's comment (a sticky comment keyed by the event id: found by its marker,
 * never posted twice, also when a create was stored but answered 5xx or 403) and the
 * `promotion-blocked` label are on the PR. Returns what it had to add.
 */
async function ensureFailureNotices(pr: PullRequest, state: PromotionState, failure: FailureRecord, deps: PromoteDeps): Promise<string[]> {
  const github = deps.github!;
  const added: string[] = [];
  const comment = await persistently(deps, () =>
    upsertStickyComment(github, { issueNumber: pr.number, key: `promotion-blocked-${failure.eventId}`, body: blockedComment(state, failure), createRetryDelayMs: deps.retryDelayMs ?? 1000 }),
  );
  if (comment.outcome !== 'unchanged') added.push('comment');
  if (!pr.labels.includes(BLOCKED_LABEL)) {
    await persistently(deps, () => github.addLabels(pr.number, [BLOCKED_LABEL]));
    added.push('label');
  }
  return added;
}

/** Failures that block the promotion now (no healthy report after them): their notices must exist. */
function blockingFailures(state: PromotionState): FailureRecord[] {
  return state.failures.filter((f) => !state.healthyAt || f.at >= state.healthyAt);
}

/** Retries an idempotent GitHub write on faults that may pass (5xx, dropped connection, rate limit). */
async function persistently<T>(deps: PromoteDeps, write: () => Promise<T>): Promise<T> {
  const attempts = deps.writeAttempts ?? 4;
  const delayMs = deps.retryDelayMs ?? 1000;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await write();
    } catch (error) {
      if (!mayHaveBeenStored(error) || attempt >= attempts) throw error;
      const wait = delayMs * Math.max(attempt, retryAfterSeconds(error) ?? 0);
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}

// ---------------------------------------------------------------- promotion

export interface PromoteRequest {
  service: string;
  revision: string;
  /** Absent for a manual `--service --revision` promotion. */
  event?: PromotionEvent;
}

export async function promoteRevision(request: PromoteRequest, deps: PromoteDeps, known?: Context): Promise<Outcome> {
  const ctx = known ?? (await loadContext(deps));
  const { service, revision, event } = request;
  const badService = serviceNameProblem(service, ctx.services);
  if (badService) return { status: 'rejected', exit: 2, gate: 'service', message: badService };
  if (!/^[0-9a-f]{40}$/.test(revision)) return { status: 'rejected', exit: 2, gate: 'revision', service, message: 'the revision must be a full 40-character commit SHA' };
  const policy = policyFor(ctx.policy, service);
  const target = ctx.policy.targetCluster;
  const gates: GateResult[] = [
    { gate: 'source-env', status: event ? 'pass' : 'skip', detail: event ? `event from ${policy.sourceEnv}` : 'manual promotion' },
    { gate: 'success', status: event ? 'pass' : 'skip', detail: event ? `${event.severity}/${event.reason}${event.healthCheckPassed ? ' (health check passed)' : ''} at ${event.timestamp}` : 'manual promotion' },
  ];

  await prepareBase(deps, ctx);
  if (!(await deps.git.isCommit(revision)) || !(await deps.git.isAncestor(revision, ctx.baseRef))) {
    return { status: 'rejected', exit: 1, gate: 'on-main', service, message: `${revision} is not a commit on ${ctx.policy.branch}; forged or unpushed revisions are not promoted` };
  }
  gates.push({ gate: 'on-main', status: 'pass', detail: `${revision.slice(0, 12)} is on ${ctx.policy.branch}` });

  const pin = readPin(await deps.git.showFile(ctx.baseRef, pinsPath(target)), service) ?? null;
  if (pin === revision) return { status: 'noop', exit: 0, service, message: `${service} is already pinned at ${revision.slice(0, 12)} on ${target}` };
  if (pin && !(await deps.git.isAncestor(pin, revision))) {
    return { status: 'rejected', exit: 1, gate: 'descendant', service, message: `${revision.slice(0, 12)} does not descend from the current ${target} pin ${pin.slice(0, 12)}; stale revisions are not promoted (use platform rollback to go back)` };
  }
  gates.push({ gate: 'descendant', status: 'pass', detail: pin ? `descends from the current pin ${pin.slice(0, 12)}` : 'first pin for this service' });

  const branch = branchFor('promote', service);
  const pr = deps.github ? await deps.github.findOpenPullRequestByHead(branch) : undefined;
  const pending = pr ? decodeState(pr.body) : undefined;
  const eventId = event?.eventId ?? `manual-${createHash('sha256').update(`${service}\n${revision}`).digest('hex').slice(0, 16)}`;

  if (pr && pending && pending.to === revision) return sameRevision(pr, pending, event, eventId, deps, ctx);
  if (pr && pending && pending.to !== revision && (await deps.git.isAncestor(revision, pending.to))) {
    return { status: 'ignored', exit: 0, service, pr: pr.number, prUrl: pr.htmlUrl, message: `${revision.slice(0, 12)} is older than the pending promotion #${pr.number} (${pending.to.slice(0, 12)})` };
  }

  if (pin && !(await deps.git.differs(pin, revision, outputPaths(service, target)))) {
    const message = `no-op: ${service}'s ${target} output is identical at ${pin.slice(0, 12)} and ${revision.slice(0, 12)}`;
    if (!deps.dryRun && deps.github) await deps.github.createCommitStatus(revision, { state: 'success', context: `promote/${service}`, description: message.slice(0, 140) });
    return { status: 'noop', exit: 0, service, gate: 'changes', message };
  }
  gates.push({ gate: 'changes', status: 'pass', detail: pin ? `${outputPaths(service, target).join(', ')} changed` : 'first pin' });

  const state: PromotionState = {
    version: 1,
    kind: 'promote',
    service,
    from: pin,
    to: revision,
    healthyAt: event?.timestamp ?? null,
    failures: [],
    eventIds: [eventId],
    approvalRequired: policy.approval,
  };
  return perform({ kind: 'promote', state, gates, event, eventId, pr, policy }, deps, ctx);
}

async function sameRevision(pr: PullRequest, pending: PromotionState, event: PromotionEvent | undefined, eventId: string, deps: PromoteDeps, ctx: Context): Promise<Outcome> {
  const base = { exit: 0 as const, service: pending.service, pr: pr.number, prUrl: pr.htmlUrl };
  if (pending.eventIds.includes(eventId)) return { ...base, status: 'unchanged', message: `event ${eventId} was already handled by #${pr.number}; nothing changed` };
  const lastFailure = pending.failures.map((f) => f.at).sort().at(-1);
  const recovers = event && lastFailure && event.timestamp > lastFailure;
  const next: PromotionState = {
    ...pending,
    eventIds: [...pending.eventIds, eventId].slice(-50),
    // A healthy report after a failure restarts the soak; otherwise the soak keeps its first start.
    healthyAt: recovers ? event.timestamp : (pending.healthyAt ?? event?.timestamp ?? null),
  };
  if (deps.dryRun || !deps.github) return { ...base, status: 'planned', message: `would record event ${eventId} on #${pr.number}` };
  const result = await refreshPullRequest(pr, next, deps, ctx);
  return { ...base, status: result.merged ? 'merged' : 'updated', gates: result.gates, message: `#${pr.number} already promotes ${pending.to.slice(0, 12)}; recorded event ${eventId}. ${result.summary}` };
}

interface PerformInput {
  kind: PromotionKind;
  state: PromotionState;
  gates: GateResult[];
  event: PromotionEvent | undefined;
  eventId: string;
  pr: PullRequest | undefined;
  policy: ServicePolicy;
}

async function perform(input: PerformInput, deps: PromoteDeps, ctx: Context): Promise<Outcome> {
  const { kind, state } = input;
  const target = ctx.policy.targetCluster;
  const soft = softGates(state, input.policy, deps.now());
  const allGates = [...input.gates, ...soft];
  const branch = branchFor(kind, state.service);
  if (deps.dryRun || !deps.github) {
    return { status: 'planned', exit: 0, service: state.service, gates: allGates, message: `would ${input.pr ? `update #${input.pr.number}` : 'open a PR'} on ${branch} moving ${state.service} ${state.from?.slice(0, 12) ?? '(none)'} → ${state.to.slice(0, 12)}; ${mergeSummary(soft, state)}` };
  }
  const entry: AuditEntry = {
    service: state.service,
    action: kind,
    from: state.from,
    to: state.to,
    at: deps.now().toISOString(),
    eventId: input.event?.eventId ?? (kind === 'promote' ? input.eventId : null),
    eventTime: input.event?.timestamp ?? null,
    gates: input.gates.filter((g) => g.status === 'pass').map((g) => g.gate),
    approval: state.approvalRequired ? 'required' : 'not-required',
    by: deps.actor ?? (input.event ? 'flux-event' : 'manual'),
  };
  const trailers = {
    'Promoted-Service': state.service,
    'Promoted-From': state.from ?? 'none',
    'Promoted-To': state.to,
    'Flux-Event-Id': entry.eventId ?? 'none',
    Gates: entry.gates.join(',') || 'none',
  };
  const subject = kind === 'rollback' ? `rollback(${state.service}): pin ${target} to ${state.to.slice(0, 12)}` : `promote(${state.service}): ${state.from?.slice(0, 12) ?? 'none'} → ${state.to.slice(0, 12)} on ${target}`;
  const baseCommit = await deps.git.run(['rev-parse', ctx.baseRef]);
  const headCommit = await writeBranch({ branch, subject, message: commitMessage(subject, trailers, kind === 'rollback' ? { 'Rollback-Of': state.from ?? 'none' } : {}), state, entry, expectedHead: input.pr?.head.sha }, deps, ctx);

  const commits = await commitsBetween(deps, state);
  const { markdown: diff, highRisks } = await diffSection(deps, ctx, state, baseCommit, headCommit);
  // A promotion by hand skips the soak, so a high risk (privilege, exposure, data loss, …) must not
  // reach production without a human: it waits for approval like a stateful service's. Events keep
  // the soak as their safety net. The branch is rewritten so the audit entry says so.
  if (kind === 'promote' && !input.event && highRisks.length && !state.approvalRequired) {
    state.approvalRequired = true;
    entry.approval = 'required';
    input.gates.push({ gate: 'risk', status: 'wait', detail: `manual promotion with ${highRisks.length} high risk${highRisks.length === 1 ? '' : 's'}: ${highRisks.join('; ').slice(0, 400)}` });
    await writeBranch({ branch, subject, message: commitMessage(subject, trailers, {}), state, entry, expectedHead: headCommit }, deps, ctx);
    soft.splice(0, soft.length, ...softGates(state, input.policy, deps.now()));
    allGates.splice(0, allGates.length, ...input.gates, ...soft);
  }
  const outcomeText = mergeSummary(soft, state);
  const body = renderBody({ state, gates: allGates, commits, diff, outcome: outcomeText });
  let pr: PullRequest;
  let status: OutcomeStatus;
  if (input.pr) {
    pr = await deps.github.updatePullRequest(input.pr.number, { title: subject, body });
    status = 'updated';
  } else {
    pr = await createOrAdopt(deps.github, { title: subject, head: branch, base: ctx.policy.branch, body });
    status = 'opened';
  }
  const labels = [kind === 'rollback' ? 'rollback' : 'promotion', `service:${state.service}`];
  if (kind === 'rollback') labels.push('urgent');
  if (state.approvalRequired) labels.push('needs-approval');
  await deps.github.addLabels(pr.number, labels);

  let merged = false;
  if (canMerge(soft, state)) merged = await tryMerge(deps.github, pr, state);
  const freeze = soft.find((g) => g.gate === 'freeze' && g.status === 'wait');
  const reopensAt = freeze ? evaluateFreeze(input.policy.freeze, deps.now()) : undefined;
  const finalStatus: OutcomeStatus = merged ? 'merged' : freeze ? 'deferred' : status;
  return {
    status: finalStatus,
    exit: 0,
    service: state.service,
    pr: pr.number,
    prUrl: pr.htmlUrl,
    gates: allGates,
    message: `${status === 'opened' ? 'opened' : 'updated'} #${pr.number}: ${state.service} ${state.from?.slice(0, 12) ?? '(none)'} → ${state.to.slice(0, 12)}; ${merged ? 'merged' : outcomeText}`,
    ...(reopensAt && reopensAt.frozen ? { reopensAt: reopensAt.reopensAt.toISOString() } : {}),
  };
}

async function createOrAdopt(github: GitHubAdapter, input: { title: string; head: string; base: string; body: string }): Promise<PullRequest> {
  try {
    return await github.createPullRequest(input);
  } catch (error) {
    // A concurrent run (or a create whose response was lost) already opened it: adopt, never a second.
    const existing = await github.findOpenPullRequestByHead(input.head);
    if (existing) return github.updatePullRequest(existing.number, { title: input.title, body: input.body });
    throw error;
  }
}

async function tryMerge(github: GitHubAdapter, pr: PullRequest, state: PromotionState): Promise<boolean> {
  try {
    const result = await github.mergePullRequest(pr.number, { method: 'merge', sha: pr.head.sha, commitTitle: `Merge #${pr.number}: ${state.kind} ${state.service} to ${state.to.slice(0, 12)}` });
    return result.merged;
  } catch (error) {
    // 405 (branch protection: required checks not green yet) / 409 (head moved): the scheduled run retries.
    const status = (error as { status?: number }).status;
    if (status === 405 || status === 409) return false;
    throw error;
  }
}

export function softGates(state: PromotionState, policy: ServicePolicy, now: Date): GateResult[] {
  const gates: GateResult[] = [];
  const lastFailure = state.failures.map((f) => f.at).sort().at(-1);
  if (lastFailure && (!state.healthyAt || lastFailure >= state.healthyAt)) {
    const f = state.failures.find((x) => x.at === lastFailure)!;
    gates.push({ gate: 'no-failure', status: 'fail', detail: `single-node reported ${f.reason} at ${f.at} after the healthy report; blocked until a later healthy event` });
  } else gates.push({ gate: 'no-failure', status: 'pass', detail: state.failures.length ? 'failures were followed by a healthy report' : 'no failure event since the healthy report' });

  if (state.kind === 'rollback') gates.push({ gate: 'soak', status: 'skip', detail: 'rollbacks skip soak' });
  else if (state.eventIds.every((id) => id.startsWith('manual-')) && state.healthyAt === null) gates.push({ gate: 'soak', status: 'skip', detail: 'manual promotion' });
  else if (!state.healthyAt) gates.push({ gate: 'soak', status: 'wait', detail: 'no healthy report yet' });
  else {
    const until = new Date(Date.parse(state.healthyAt) + policy.soakMinutes * 60_000);
    gates.push(until.getTime() <= now.getTime() ? { gate: 'soak', status: 'pass', detail: `healthy on ${policy.sourceEnv} since ${state.healthyAt} (${policy.soakMinutes}m soak)` } : { gate: 'soak', status: 'wait', detail: `soaking on ${policy.sourceEnv} until ${until.toISOString()} (${policy.soakMinutes}m from ${state.healthyAt})` });
  }

  if (state.kind === 'rollback') gates.push({ gate: 'freeze', status: 'skip', detail: 'rollbacks are not frozen' });
  else {
    const freeze = evaluateFreeze(policy.freeze, now);
    gates.push(freeze.frozen ? { gate: 'freeze', status: 'wait', detail: `deferred: ${freeze.window.reason}; reopens ${describeInZone(freeze.reopensAt, freeze.window.timeZone)}` } : { gate: 'freeze', status: 'pass', detail: policy.freeze.length ? 'outside every freeze window' : 'no freeze windows' });
  }

  if (state.kind === 'rollback') gates.push({ gate: 'approval', status: 'wait', detail: 'rollbacks are merged by on-call once validation passes' });
  else if (!state.approvalRequired) gates.push({ gate: 'approval', status: 'pass', detail: 'not required' });
  else gates.push({ gate: 'approval', status: 'wait', detail: `${policy.approval ? 'this service requires a human review' : 'a manual promotion with a high risk requires a human review'}; the bot will not merge it` });
  return gates;
}

function canMerge(soft: GateResult[], state: PromotionState): boolean {
  return state.kind === 'promote' && !state.approvalRequired && soft.every((g) => g.status === 'pass' || g.status === 'skip');
}

function mergeSummary(soft: GateResult[], state: PromotionState): string {
  const blocking = soft.filter((g) => g.status === 'fail' || g.status === 'wait');
  if (blocking.length === 0) return 'all gates passed; merging';
  const fail = blocking.find((g) => g.status === 'fail');
  if (fail) return `blocked: ${fail.detail}`;
  return `waiting: ${blocking.map((g) => `${g.gate} (${g.detail})`).join('; ')}${state.approvalRequired || state.kind === 'rollback' ? '' : '; the scheduled run merges it when these pass'}`;
}

async function refreshPullRequest(pr: PullRequest, state: PromotionState, deps: PromoteDeps, ctx: Context): Promise<{ merged: boolean; gates: GateResult[]; summary: string }> {
  const policy = policyFor(ctx.policy, state.service);
  const soft = softGates(state, policy, deps.now());
  const hard: GateResult[] = HARD_GATES.map((gate) => ({ gate, status: 'pass', detail: 'checked when the pin moved (see the commit trailers)' }));
  const gates = [...hard, ...soft];
  const summary = mergeSummary(soft, state);
  const body = renderBody({ state, gates, commits: extractSection(pr.body, 'commits'), diff: extractSection(pr.body, 'diff'), outcome: summary });
  if (body !== pr.body) await deps.github!.updatePullRequest(pr.number, { body });
  let merged = false;
  if (canMerge(soft, state) && (await stillCurrent(deps, ctx, state))) merged = await tryMerge(deps.github!, { ...pr, body }, state);
  return { merged, gates, summary: merged ? 'merged' : summary };
}

/** Re-validates before merging: the target is still on main and the pin on main is still `from`. */
async function stillCurrent(deps: PromoteDeps, ctx: Context, state: PromotionState): Promise<boolean> {
  await prepareBase(deps, ctx);
  const pin = readPin(await deps.git.showFile(ctx.baseRef, pinsPath(ctx.policy.targetCluster)), state.service) ?? null;
  return pin === state.from && (await deps.git.isCommit(state.to)) && (await deps.git.isAncestor(state.to, ctx.baseRef));
}

/** Keeps the commits/diff sections of an existing body when only the state changes. */
function extractSection(body: string, which: 'commits' | 'diff'): string {
  const commits = /### Commits to `[^`]+` between the pins\n\n([\s\S]*?)\n\n### What multi-node receives/.exec(body);
  const diff = /### What multi-node receives\n\n([\s\S]*?)\n\n<!-- carbon:promotion-state/.exec(body);
  if (which === 'commits') return commits ? commits[1]!.replace(/^````text\n|\n````$/g, '') : '';
  return diff ? diff[1]! : '';
}

async function commitsBetween(deps: PromoteDeps, state: PromotionState): Promise<string> {
  const range = state.from && (await deps.git.isAncestor(state.from, state.to)) ? [`${state.from}..${state.to}`] : state.from ? [`${state.to}..${state.from}`] : ['-n', '30', state.to];
  return deps.git.run(['log', '--oneline', '--no-decorate', ...range, '--', `apps/${state.service}`]);
}

async function diffSection(deps: PromoteDeps, ctx: Context, state: PromotionState, baseCommit: string, headCommit: string): Promise<PromotionDiff> {
  const text = await diffMarkdown(deps, ctx, state, baseCommit, headCommit);
  return typeof text === 'string' ? { markdown: text, highRisks: [] } : text;
}

async function diffMarkdown(deps: PromoteDeps, ctx: Context, state: PromotionState, baseCommit: string, headCommit: string): Promise<string | PromotionDiff> {
  if (deps.diff) {
    try {
      return await deps.diff({ root: deps.root, cluster: ctx.policy.targetCluster, service: state.service, fromPin: state.from, toPin: state.to, baseCommit, headCommit });
    } catch (error) {
      const stat = await deps.git.run(['diff', '--stat', ...(state.from ? [state.from] : []), state.to, '--', ...outputPaths(state.service, ctx.policy.targetCluster)]);
      return [`> The reviewer diff could not be rendered (${(error as Error).message.split('\n')[0]!.replace(/[`<>]/g, '')}); the file-level change of the output Flux applies:`, '', '````text', stat.replace(/`{4,}/g, '```') || '(no change)', '````'].join('\n');
    }
  }
  const stat = state.from ? await deps.git.run(['diff', '--stat', state.from, state.to, '--', ...outputPaths(state.service, ctx.policy.targetCluster)]) : '(first pin: everything under the overlay is new)';
  return ['> The reviewer diff engine (`platform diff`) is not wired in yet; until it is, this is the file-level change of the output Flux applies.', '', '````text', stat.replace(/`{4,}/g, '```') || '(no change)', '````'].join('\n');
}

interface BranchInput {
  branch: string;
  subject: string;
  message: string;
  state: PromotionState;
  entry: AuditEntry;
  expectedHead: string | undefined;
}

/** Commits the pin move (+ audit entry + regenerated wiring) on `branch`, based on the fresh main, in a throwaway worktree. */
async function writeBranch(input: BranchInput, deps: PromoteDeps, ctx: Context): Promise<string> {
  const target = ctx.policy.targetCluster;
  const dir = join(deps.root, '.git', 'carbon-promote', input.branch.replace('/', '-'));
  await rm(dir, { recursive: true, force: true });
  await deps.git.run(['worktree', 'prune']);
  await mkdir(join(deps.root, '.git', 'carbon-promote'), { recursive: true });
  await deps.git.run(['worktree', 'add', '--quiet', '--force', '--detach', dir, ctx.baseRef]);
  try {
    // The pinned tools and offline module cache (.tools, git-ignored) live in the checkout, not in
    // git: without them generate would try to download the CRD sources inside the worktree.
    if (existsSync(join(deps.root, '.tools')) && !existsSync(join(dir, '.tools'))) await symlink(join(deps.root, '.tools'), join(dir, '.tools'), 'dir');
    await atomicEdit(join(dir, pinsPath(target)), (text) => writePin(text, input.state.service, input.state.to, input.entry.at));
    await atomicEdit(join(dir, logPath(target)), (text) => appendAudit(text, input.entry));
    await deps.regenerate(dir);
    await deps.git.run(['add', '--all', '--', `clusters/${target}`], { cwd: dir });
    await deps.git.run(['commit', '--quiet', '-F', '-'], { cwd: dir, input: input.message });
    const sha = await deps.git.run(['rev-parse', 'HEAD'], { cwd: dir });
    const remote = deps.remote ?? 'origin';
    // Lease: the PR's head when updating it; otherwise whatever a merged/closed promotion left behind (or nothing).
    const lease = input.expectedHead ?? (await deps.git.run(['ls-remote', remote, `refs/heads/${input.branch}`])).split(/\s/)[0] ?? '';
    await deps.git.run(['push', '--quiet', `--force-with-lease=refs/heads/${input.branch}:${lease}`, remote, `HEAD:refs/heads/${input.branch}`], { cwd: dir });
    return sha;
  } finally {
    await deps.git.run(['worktree', 'remove', '--force', dir]).catch(() => undefined);
  }
}

async function atomicEdit(path: string, edit: (text: string | undefined) => string): Promise<void> {
  const before = existsSync(path) ? await readFile(path, 'utf8') : undefined;
  await mkdir(join(path, '..'), { recursive: true });
  const temp = `${path}.tmp-${process.pid}`;
  await writeFile(temp, edit(before));
  await rename(temp, path);
}

// ---------------------------------------------------------------- scheduled re-evaluation

/** The scheduled run: re-evaluates every open promotion PR; merges those whose soak/freeze/failure gates now pass. */
export async function reevaluate(deps: PromoteDeps): Promise<Outcome[]> {
  if (!deps.github) {
    // --dry-run only plans: without GitHub there are no open PRs to read, which is not an error.
    if (deps.dryRun) return [{ status: 'planned', exit: 0, message: 'dry run without GitHub access: the open promotion PRs cannot be listed, so none is re-evaluated; with GITHUB_TOKEN set (and no --dry-run) each open PR\'s gates are checked again and the PRs whose gates pass are merged' }];
    return [{ status: 'rejected', exit: 2, message: 're-evaluation needs GitHub access (a token)' }];
  }
  const ctx = await loadContext(deps);
  const open = await deps.github.listPullRequests({ state: 'open', base: ctx.policy.branch });
  const outcomes: Outcome[] = [];
  for (const pr of open) {
    const state = decodeState(pr.body);
    if (!state || pr.head.ref !== branchFor(state.kind, state.service) || !ctx.services.has(state.service)) continue;
    const result = await refreshPullRequest(pr, state, deps, ctx);
    // A failure whose comment or label a fault kept from GitHub is completed here, at the latest.
    for (const failure of blockingFailures(state)) await ensureFailureNotices(pr, state, failure, deps);
    outcomes.push({ status: result.merged ? 'merged' : 'waiting', exit: 0, service: state.service, pr: pr.number, prUrl: pr.htmlUrl, gates: result.gates, message: `#${pr.number} ${state.service}: ${result.summary}` });
  }
  return outcomes;
}

// ---------------------------------------------------------------- rollback

export async function rollback(request: { service: string; to?: string }, deps: PromoteDeps): Promise<Outcome> {
  const ctx = await loadContext(deps);
  const { service } = request;
  const badService = serviceNameProblem(service, ctx.services);
  if (badService) return { status: 'rejected', exit: 2, gate: 'service', message: badService };
  if (request.to !== undefined && !/^[0-9a-f]{4,40}$/.test(request.to)) return { status: 'rejected', exit: 2, gate: 'revision', service, message: '--to must be a commit SHA (4 to 40 hex digits, like git accepts)' };
  const target = ctx.policy.targetCluster;
  await prepareBase(deps, ctx);
  const pin = readPin(await deps.git.showFile(ctx.baseRef, pinsPath(target)), service);
  if (!pin) return { status: 'rejected', exit: 1, gate: 'pin', service, message: `${service} has no ${target} pin to roll back from` };
  let to: string | undefined;
  if (request.to !== undefined) {
    // A short SHA is resolved like git does: an unambiguous prefix of a commit (then checked to be on main).
    to = await resolveCommitPrefix(deps, request.to);
    if (!to) return { status: 'rejected', exit: 1, gate: 'revision', service, message: `--to ${request.to} is not a commit, or the prefix is ambiguous: give more digits` };
  } else {
    to = previousPin(readAudit(await deps.git.showFile(ctx.baseRef, logPath(target))), service, pin);
    if (!to) return { status: 'rejected', exit: 1, gate: 'audit', service, message: `no earlier pin: ${pin.slice(0, 12)} is ${service}'s first ${target} pin in the audit trail (${logPath(target)}; see --history), so there is nothing to roll back to; pass --to <sha> of an older commit on ${ctx.policy.branch}` };
  }
  if (to === pin) return { status: 'noop', exit: 0, service, message: `${service} is already pinned at ${to.slice(0, 12)}` };
  if (!(await deps.git.isCommit(to)) || !(await deps.git.isAncestor(to, ctx.baseRef))) return { status: 'rejected', exit: 1, gate: 'on-main', service, message: `${to} is not a commit on ${ctx.policy.branch}` };
  // Back only: a newer revision would skip soak and freeze windows; that is a promotion.
  if (!(await deps.git.isAncestor(to, pin))) return { status: 'rejected', exit: 1, gate: 'older', service, message: `${to.slice(0, 12)} is not older than the current ${target} pin ${pin.slice(0, 12)}: a rollback only goes back (to move forward, promote: platform promote --service ${service} --revision <sha>, with soak and freeze)` };
  if (!(await deps.git.differs(to, pin, [`apps/${service}/deploy`]))) return { status: 'rejected', exit: 1, gate: 'changes', service, message: `rolling ${service} back to ${to.slice(0, 12)} changes nothing: apps/${service}/deploy is identical at ${to.slice(0, 12)} and at the pin ${pin.slice(0, 12)}; pick an older commit (platform rollback --service ${service} --history)` };
  const policy = policyFor(ctx.policy, service);
  const branch = branchFor('rollback', service);
  const pr = deps.github ? await deps.github.findOpenPullRequestByHead(branch) : undefined;
  const pending = pr ? decodeState(pr.body) : undefined;
  if (pr && pending && pending.to === to && pending.from === pin) return { status: 'unchanged', exit: 0, service, pr: pr.number, prUrl: pr.htmlUrl, message: `#${pr.number} already rolls ${service} back to ${to.slice(0, 12)}` };
  const eventId = `manual-${createHash('sha256').update(`rollback\n${service}\n${pin}\n${to}`).digest('hex').slice(0, 16)}`;
  const state: PromotionState = { version: 1, kind: 'rollback', service, from: pin, to, healthyAt: null, failures: [], eventIds: [eventId], approvalRequired: true };
  const gates: GateResult[] = [
    { gate: 'on-main', status: 'pass', detail: `${to.slice(0, 12)} is on ${ctx.policy.branch}` },
    { gate: 'validation', status: 'wait', detail: 'the PR runs the same generate --check / validate / diff checks as any change' },
  ];
  return perform({ kind: 'rollback', state, gates, event: undefined, eventId, pr, policy }, deps, ctx);
}

/** Full SHA of an unambiguous commit prefix (git's own rule), or undefined. */
async function resolveCommitPrefix(deps: PromoteDeps, prefix: string): Promise<string | undefined> {
  try {
    const full = await deps.git.run(['rev-parse', '--verify', '--quiet', '--end-of-options', `${prefix}^{commit}`]);
    return /^[0-9a-f]{40}$/.test(full) ? full : undefined;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------- history

export async function history(service: string, deps: Pick<PromoteDeps, 'git' | 'root' | 'remote'>, ref?: string): Promise<AuditEntry[]> {
  const policy = loadPolicy(deps.root);
  const problem = serviceNameProblem(service, new Set(listServiceDirs(deps.root)));
  if (problem) throw new ServiceNameError(problem);
  const text = await deps.git.showFile(ref ?? 'HEAD', logPath(policy.targetCluster));
  return readAudit(text).filter((e) => e.service === service);
}
