import { readFile } from 'node:fs/promises';
import { createGit, depsFromEnv, formatOutcome, handleEvent, history, promoteRevision, reevaluate } from '@carbon/promote';
import { option } from '../args.ts';
import { EXIT, UsageError, type Io } from '../io.ts';
import { repoRoot } from '../root.ts';

export const summary = 'promote a service to multi-node: --event FILE [--dry-run] | --service S --revision SHA | --reevaluate | --history S';

const MAX_EVENT_BYTES = 256 * 1024;

export const options = [
  option('--event <file>', 'a Flux repository_dispatch payload (untrusted input)'),
  option('--service <name>', 'promote this service by hand (with --revision)'),
  option('--revision <sha>', 'the commit on main to pin (with --service)'),
  option('--reevaluate', 'the scheduled run: re-check open promotion PRs, merge those whose soak passed'),
  option('--history <service>', 'print the audit trail of one service'),
  option('--dry-run', 'only plan: no fetch, push or GitHub write (also without GITHUB_TOKEN)'),
  option('--json', 'print the outcome as JSON'),
];

export const help = `Give exactly one of --event, --service with --revision, --reevaluate, --history.
Gates, soak, freeze windows and approvals: docs/promotion.md.`;

interface Opts {
  event?: string;
  service?: string;
  revision?: string;
  reevaluate?: boolean;
  history?: string;
  dryRun?: boolean;
  json?: boolean;
}

export async function run(values: Opts, io: Io): Promise<number> {
  const modes = [values.event !== undefined, values.service !== undefined || values.revision !== undefined, values.reevaluate === true, values.history !== undefined].filter(Boolean).length;
  if (modes !== 1) throw new UsageError('platform promote: give exactly one of --event FILE, --service S --revision SHA, --reevaluate, --history S');
  const root = repoRoot(io.cwd);

  if (values.history !== undefined) {
    const entries = await history(values.history, { root, git: createGit(root) });
    if (values.json) io.out(`${JSON.stringify(entries, null, 2)}\n`);
    else if (entries.length === 0) io.out(`no promotions recorded for ${values.history.replace(/[^a-z0-9-]/g, '?')}\n`);
    else for (const e of entries) io.out(`${e.at}  ${e.action.padEnd(8)} ${e.from?.slice(0, 12) ?? '(none)      '} → ${e.to.slice(0, 12)}  event ${e.eventId ?? '-'}  gates ${e.gates.join(',') || '-'}  approval ${e.approval}  by ${e.by}\n`);
    return EXIT.ok;
  }

  const deps = depsFromEnv(root, process.env, { dryRun: values.dryRun === true });
  if (deps.dryRun) io.err('promote: planning only (--dry-run or no GITHUB_TOKEN): nothing is pushed or written to GitHub\n');

  if (values.reevaluate) {
    const outcomes = await reevaluate(deps);
    if (outcomes.length === 0) io.out('promote --reevaluate: no open promotion PRs\n');
    for (const o of outcomes) io.out(values.json ? `${JSON.stringify(o)}\n` : formatOutcome(o));
    return Math.max(0, ...outcomes.map((o) => o.exit));
  }

  let outcome;
  if (values.event !== undefined) {
    let raw: unknown;
    try {
      const text = await readFile(values.event, 'utf8');
      if (text.length > MAX_EVENT_BYTES) throw new Error(`larger than ${MAX_EVENT_BYTES} bytes`);
      raw = JSON.parse(text);
    } catch (error) {
      io.err(`error: ${values.event}: cannot read the event as JSON (${(error as Error).message.split('\n')[0]})\n`);
      return EXIT.usage;
    }
    outcome = await handleEvent(raw, deps);
  } else {
    if (!values.service || !values.revision) throw new UsageError('platform promote: --service and --revision go together');
    outcome = await promoteRevision({ service: values.service, revision: values.revision }, deps);
  }
  (outcome.exit === 0 ? io.out : io.err)(values.json ? `${JSON.stringify(outcome)}\n` : formatOutcome(outcome));
  return outcome.exit;
}
