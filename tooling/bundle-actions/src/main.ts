import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { checkBundles, writeBundles } from './index.ts';

// Usage: tsx tooling/bundle-actions/src/main.ts [--check] [--root DIR] [action...]
const { values, positionals } = parseArgs({ options: { check: { type: 'boolean', default: false }, root: { type: 'string' } }, allowPositionals: true });
const root = resolve(values.root ?? new URL('../../..', import.meta.url).pathname);
const actions = positionals.length > 0 ? positionals : undefined;

try {
  if (values.check) {
    const problems = (await checkBundles({ root, actions })).filter((check) => check.status !== 'fresh');
    for (const problem of problems) {
      const where = problem.status === 'stale' ? `${problem.distPath}:${problem.firstDifferentLine}` : problem.distPath;
      console.error(`${where}: ${problem.status === 'stale' ? 'differs from a fresh bundle' : 'is missing'}; run \`npx tsx tooling/bundle-actions/src/main.ts\` and commit dist/`);
    }
    if (problems.length === 0) console.log('bundles: every dist/index.js is fresh');
    process.exitCode = problems.length === 0 ? 0 : 1;
  } else {
    const written = await writeBundles({ root, actions });
    console.log(written.length === 0 ? 'bundles: nothing changed' : `bundles: rewrote ${written.map((name) => `${name}/dist/index.js`).join(', ')}`);
  }
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 2;
}
