import { argv } from 'zx';
import { findRoot } from './root.ts';
import { generate } from './generate.ts';
import { isDefinitionError } from '@carbon/platform';

/**
 * The body of every apps/<service>/scripts/generate.ts: regenerate (or `--check`) one service.
 * Run through turbo (`npm run generate`) so an unchanged service is a cache hit.
 */
export async function generateServiceScript(service: string): Promise<void> {
  const root = findRoot(process.cwd());
  try {
    const r = await generate(root, { service, check: Boolean(argv.check) });
    const stale = [...r.changed, ...r.removed];
    if (r.mode === 'check' && stale.length) {
      process.stderr.write(`${service}: stale generated files:\n${stale.map((f) => `  ${f}\n`).join('')}`);
      process.exitCode = 1;
      return;
    }
    process.stdout.write(`${service}: ${r.files} files, ${r.mode === 'check' ? 'up to date' : `${r.changed.length} written, ${r.removed.length} removed`}\n`);
  } catch (e) {
    process.stderr.write(`${isDefinitionError(e) ? (e as Error).message : String((e as Error).stack ?? e)}\n`);
    process.exitCode = 2;
  }
}
