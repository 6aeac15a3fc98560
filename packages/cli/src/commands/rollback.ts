import { depsFromEnv, formatOutcome, rollback } from '@carbon/promote';
import { option } from '../args.ts';
import { type Io } from '../io.ts';
import { repoRoot } from '../root.ts';

export const summary = 'open an urgent PR pinning a service back to its previous multi-node revision (--service S [--to SHA] [--dry-run])';

export const options = [
  option('--service <name>', 'the service to roll back (required)'),
  option('--to <sha>', 'pin this earlier commit on main instead of the previous pin'),
  option('--dry-run', 'only plan: no fetch, push or GitHub write (also without GITHUB_TOKEN)'),
  option('--json', 'print the outcome as JSON'),
];

export async function run(values: { service?: string; to?: string; dryRun?: boolean; json?: boolean }, io: Io): Promise<number> {
  if (!values.service) {
    io.err('error: platform rollback: --service is required\n');
    return 2;
  }
  const deps = depsFromEnv(repoRoot(io.cwd), process.env, { dryRun: values.dryRun === true });
  if (deps.dryRun) io.err('rollback: planning only (--dry-run or no GITHUB_TOKEN): nothing is pushed or written to GitHub\n');
  const outcome = await rollback({ service: values.service, ...(values.to ? { to: values.to } : {}) }, deps);
  (outcome.exit === 0 ? io.out : io.err)(values.json ? `${JSON.stringify(outcome)}\n` : formatOutcome(outcome));
  return outcome.exit;
}
