/**
 * A pending promotion lives in its pull request: the body carries the reviewer text and a hidden,
 * base64-encoded state block (revision, when single-node reported it healthy, failures seen, event
 * ids already handled). The scheduled run and later events re-read it, so the repository itself
 * knows how long a revision has soaked and whether anything failed since.
 */

export type PromotionKind = 'promote' | 'rollback';

export interface FailureRecord {
  at: string;
  reason: string;
  eventId: string;
  message: string;
}

export interface PromotionState {
  version: 1;
  kind: PromotionKind;
  service: string;
  from: string | null;
  to: string;
  /** When single-node last reported `to` healthy (soak starts here). */
  healthyAt: string | null;
  failures: FailureRecord[];
  eventIds: string[];
  approvalRequired: boolean;
}

export interface GateResult {
  gate: string;
  status: 'pass' | 'fail' | 'wait' | 'skip';
  detail: string;
}

const MARKER = 'carbon:promotion-state';
const SHA = /^[0-9a-f]{40}$/;
const NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const ID = /^[0-9a-f]{16}$|^manual-[0-9a-f]{16}$/;

export function branchFor(kind: PromotionKind, service: string): string {
  if (!NAME.test(service)) throw new Error(`refusing to derive a branch from "${service}"`);
  return `${kind}/${service}`;
}

export function encodeState(state: PromotionState): string {
  return `<!-- ${MARKER} ${Buffer.from(JSON.stringify(state)).toString('base64')} -->`;
}

/** The state block of a PR body, re-validated (a body is editable, so it is input too); undefined when absent or malformed. */
export function decodeState(body: string): PromotionState | undefined {
  const match = new RegExp(`<!-- ${MARKER} ([A-Za-z0-9+/=]{1,20000}) -->`).exec(body);
  if (!match) return undefined;
  try {
    const s = JSON.parse(Buffer.from(match[1]!, 'base64').toString('utf8')) as PromotionState;
    const time = (v: unknown) => typeof v === 'string' && !Number.isNaN(Date.parse(v));
    const ok =
      s.version === 1 &&
      (s.kind === 'promote' || s.kind === 'rollback') &&
      NAME.test(s.service) &&
      (s.from === null || SHA.test(s.from)) &&
      SHA.test(s.to) &&
      (s.healthyAt === null || time(s.healthyAt)) &&
      Array.isArray(s.failures) &&
      s.failures.every((f) => time(f.at) && /^[A-Za-z]{1,64}$/.test(f.reason) && ID.test(f.eventId) && typeof f.message === 'string') &&
      Array.isArray(s.eventIds) &&
      s.eventIds.every((id) => typeof id === 'string' && ID.test(id)) &&
      typeof s.approvalRequired === 'boolean';
    return ok ? s : undefined;
  } catch {
    return undefined;
  }
}

const short = (sha: string | null) => (sha ? sha.slice(0, 12) : '(none)');

/** Text from outside (commit subjects, Flux messages) shown inside a fenced block it cannot close. */
function fenced(text: string): string {
  return ['````text', text.replace(/`{4,}/g, '```'), '````'].join('\n');
}

export interface BodyParts {
  state: PromotionState;
  gates: GateResult[];
  commits: string;
  diff: string;
  outcome: string;
}

const ICON: Record<GateResult['status'], string> = { pass: '✅', fail: '⛔', wait: '⏳', skip: '➖' };

/** The gate table of a PR body (and of the promote action's job summary). */
export function renderGateTable(gates: readonly GateResult[]): string {
  return [
    '| gate | result | detail |',
    '| --- | --- | --- |',
    ...gates.map((g) => `| ${g.gate} | ${ICON[g.status]} ${g.status} | ${g.detail.replace(/\|/g, '\\|').replace(/\n/g, ' ')} |`),
  ].join('\n');
}

export function renderBody(parts: BodyParts): string {
  const { state } = parts;
  const title = state.kind === 'rollback' ? `Rollback of \`${state.service}\` on multi-node` : `Promotion of \`${state.service}\` to multi-node`;
  const failures = state.failures.map((f) => `- ${f.at} \`${f.reason}\` (event ${f.eventId})\n${fenced(f.message || '(no message)')}`);
  return [
    `## ${title}`,
    '',
    `Pin \`${short(state.from)}\` → \`${short(state.to)}\` (\`${state.to}\`).`,
    '',
    `**Status:** ${parts.outcome}`,
    '',
    '### Gates',
    '',
    renderGateTable(parts.gates),
    '',
    ...(failures.length ? ['### Failure events from single-node', '', ...failures, ''] : []),
    `### Commits to \`apps/${state.service}\` between the pins`,
    '',
    fenced(parts.commits.trim() || '(none)'),
    '',
    '### What multi-node receives',
    '',
    parts.diff,
    '',
    encodeState(state),
    '',
  ].join('\n');
}
