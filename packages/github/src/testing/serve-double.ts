import { parseArgs } from 'node:util';
import { startApiDouble } from './api-double.ts';

// Runs the API double on its own, for trying an action by hand (e.g. with @github/local-action):
//   npx tsx packages/github/src/testing/serve-double.ts [--repo acme/platform] [--pr feature]
// Prints the URL to use as GITHUB_API_URL; Ctrl-C prints the requests it saw and any violations.
const { values } = parseArgs({ options: { repo: { type: 'string', default: 'acme/platform' }, pr: { type: 'string', default: 'feature' } } });
const double = await startApiDouble();
double.seedRepo(values.repo);
const number = double.seedPullRequest(values.repo, { head: values.pr });
console.log(`GITHUB_API_URL=${double.url}  (repository ${values.repo}, open PR #${number} from ${values.pr})`);
process.on('SIGINT', () => {
  for (const request of double.requests) console.log(`${request.status} ${request.method} ${request.path}${request.operationId ? ` (${request.operationId})` : ''}`);
  for (const violation of double.violations) console.log(`VIOLATION ${violation.kind} ${violation.method} ${violation.path}: ${violation.problems.map((p) => `${p.path} ${p.message}`).join('; ')}`);
  void double.close().then(() => process.exit(double.violations.length > 0 ? 1 : 0));
});
