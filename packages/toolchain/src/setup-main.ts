import { findRepoRoot } from './repo.ts';
import { runSetup } from './setup.ts';

const args = process.argv.slice(2);
const unknown = args.filter((arg) => arg !== '--check');
if (unknown.length > 0) {
  console.error(`usage: npm run setup [-- --check]   (unknown: ${unknown.join(' ')})`);
  process.exit(2);
}
const code = await runSetup(findRepoRoot(), { mode: args.includes('--check') ? 'check' : 'install', log: (line) => console.log(line) });
process.exit(code);
