import { findRepoRoot } from './repo.ts';
import { runSetup } from './setup.ts';

const args = process.argv.slice(2);
const unknown = args.filter((arg) => arg !== '--check' && arg !== '--e2e');
if (unknown.length > 0) {
  console.error(`usage: npm run setup [-- [--check] [--e2e]]   (unknown: ${unknown.join(' ')})`);
  process.exit(2);
}
const code = await runSetup(findRepoRoot(), {
  mode: args.includes('--check') ? 'check' : 'install',
  e2e: args.includes('--e2e'),
  log: (line) => console.log(line),
});
process.exit(code);
