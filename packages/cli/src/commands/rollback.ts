import { depsFromEnv, formatOutcome, rollback } from '@carbon/promote';
import { parseFlags } from '../args.ts';
import { type Io } from '../io.ts';
import { repoRoot } from '../root.ts';

export const summary = 'open an urgent PR pinning a service back to its previous multi-node revision (--service S [--to SHA] [--dry-run])';

export async function run(argv: string[], io: Io): Promise<number> {
  const { values } = parseFlags(argv, { service: { type: 'string' }, to: { type: 'string' }, 'dry-run': { type: 'boolean' }, json: { type: 'boolean' } }, 'rollback');
  if (!values.service) {
    io.err('error: platform rollback: --service is required\n');
    return 2;
  }
  const deps = depsFromEnv(repoRoot(io.cwd), process.env, { dryRun: values['dry-run'] === true });
  if (deps.dryRun) io.err('rollback: planning only (--dry-run or no GITHUB_TOKEN): nothing is pushed or written to GitHub\n');
  const outcome = await rollback({ service: values.service, ...(values.to ? { to: values.to } : {}) }, deps);
  (outcome.exit === 0 ? io.out : io.err)(values.json ? `${JSON.stringify(outcome)}\n` : formatOutcome(outcome));
  return outcome.exit;
}
