import { InputError, type GitHubAdapter, type GitHubContext } from '@carbon/github';
import {
  checkoutGenerator,
  createGit,
  handleEvent,
  multiNodeDiff,
  promoteRevision,
  reevaluate,
  renderGateTable,
  rollback,
  type Outcome,
  type OutcomeStatus,
  type PromoteDeps,
} from '@carbon/promote';

export const MODES = ['event', 'reevaluate', 'promote', 'rollback'] as const;
export type Mode = (typeof MODES)[number];

export interface Inputs {
  mode: Mode;
  /** Modes promote and rollback. */
  service: string;
  /** Mode promote. */
  revision: string;
  /** Mode rollback; '' = the previous pin from the audit trail. */
  to: string;
  dryRun: boolean;
}

export interface Outputs {
  outcome: OutcomeStatus | 'reevaluated' | 'none';
  'pull-request': string;
  service: string;
  reason: string;
}

export interface Deps {
  promote: PromoteDeps;
}

export interface Result {
  outputs: Outputs;
  summary: string;
  /** Set when the step must fail (bad input, a refused gate): the message for `::error`. */
  failure: string | undefined;
}

export function parseMode(raw: string): Mode {
  const mode = MODES.find((m) => m === raw.trim());
  if (!mode) throw new InputError('mode', `expected one of ${MODES.join(', ')}, found "${raw.slice(0, 40)}"`);
  return mode;
}

/** The promotion library wired for a workflow checkout: real git, the checkout's own generator, the reviewer diff. */
export function actionDeps(options: { root: string; github: GitHubAdapter | undefined; actor: string; dryRun: boolean }): PromoteDeps {
  return {
    root: options.root,
    git: createGit(options.root),
    github: options.github,
    now: () => new Date(),
    regenerate: checkoutGenerator(options.root),
    diff: multiNodeDiff,
    dryRun: options.dryRun || options.github === undefined,
    ...(options.actor ? { actor: options.actor } : {}),
  };
}

export async function run(inputs: Inputs, context: GitHubContext, deps: Deps): Promise<Result> {
  if (inputs.mode === 'reevaluate') return fromMany(await reevaluate(deps.promote));
  return fromOne(await single(inputs, context, deps.promote));
}

async function single(inputs: Inputs, context: GitHubContext, deps: PromoteDeps): Promise<Outcome> {
  switch (inputs.mode) {
    case 'event': {
      if (context.event.kind !== 'repository_dispatch') {
        throw new InputError('mode', `"event" needs a repository_dispatch event (this run is "${context.eventName}"); use reevaluate, promote or rollback`);
      }
      // Exactly what GitHub delivered, handed to the strict parser: nothing from it is trusted before that.
      return handleEvent({ action: context.event.eventType, client_payload: context.event.clientPayload }, deps);
    }
    case 'promote':
      if (inputs.service === '' || inputs.revision === '') throw new InputError(inputs.service === '' ? 'service' : 'revision', 'is required when mode is "promote"');
      return promoteRevision({ service: inputs.service, revision: inputs.revision }, deps);
    case 'rollback':
      if (inputs.service === '') throw new InputError('service', 'is required when mode is "rollback"');
      return rollback({ service: inputs.service, ...(inputs.to !== '' ? { to: inputs.to } : {}) }, deps);
    default:
      throw new InputError('mode', `unexpected mode "${inputs.mode}"`);
  }
}

const oneLine = (text: string) => text.replace(/\s+/g, ' ').trim();

function fromOne(outcome: Outcome): Result {
  const summary = [
    `### Promotion: ${outcome.status}${outcome.service ? ` \`${outcome.service}\`` : ''}`,
    '',
    oneLine(outcome.message),
    '',
    ...(outcome.pr !== undefined ? [`Pull request: [#${outcome.pr}](${outcome.prUrl ?? ''})`, ''] : []),
    ...(outcome.reopensAt ? [`Reopens at: ${outcome.reopensAt}`, ''] : []),
    ...(outcome.gates?.length ? [renderGateTable(outcome.gates), ''] : []),
  ].join('\n');
  return {
    outputs: { outcome: outcome.status, 'pull-request': outcome.pr !== undefined ? String(outcome.pr) : '', service: outcome.service ?? '', reason: oneLine(outcome.message) },
    summary,
    failure: outcome.exit === 0 ? undefined : `${outcome.status}${outcome.gate ? ` by the ${outcome.gate} gate` : ''}: ${oneLine(outcome.message)}`,
  };
}

function fromMany(outcomes: Outcome[]): Result {
  const failed = outcomes.filter((o) => o.exit !== 0);
  const reason = outcomes.length === 0 ? 'no open promotion PRs' : outcomes.map((o) => (o.pr !== undefined ? `#${o.pr} ${o.service ?? ''} ${o.status}` : `${o.status}: ${oneLine(o.message)}`)).join('; ');
  const summary = [
    `### Promotion re-evaluation: ${outcomes.length} pending`,
    '',
    ...(outcomes.length === 0
      ? ['No open promotion PRs.', '']
      : outcomes.flatMap((o) => [`#### ${o.pr !== undefined ? `[#${o.pr}](${o.prUrl ?? ''}) ` : ''}${o.service ?? ''}: ${o.status}`, '', oneLine(o.message), '', ...(o.gates?.length ? [renderGateTable(o.gates), ''] : [])])),
  ].join('\n');
  return {
    outputs: { outcome: outcomes.length === 0 ? 'none' : 'reevaluated', 'pull-request': outcomes.flatMap((o) => (o.pr !== undefined ? [String(o.pr)] : [])).join(' '), service: '', reason },
    summary,
    failure: failed.length === 0 ? undefined : failed.map((o) => oneLine(o.message)).join('; '),
  };
}
