// Regenerates the Flux wiring under clusters/ (turbo task @carbon/clusters#generate).
import { argv } from 'zx';
import { isDefinitionError } from '@carbon/platform';
import { generate } from './generate.ts';
import { findRoot } from './root.ts';

const root = findRoot(process.cwd());
try {
  const r = await generate(root, { clustersOnly: true, check: Boolean(argv.check) });
  const stale = [...r.changed, ...r.removed];
  if (r.mode === 'check' && stale.length) {
    process.stderr.write(`clusters: stale generated files:\n${stale.map((f) => `  ${f}\n`).join('')}`);
    process.exitCode = 1;
  } else {
    process.stdout.write(`clusters: ${r.files} files, ${r.mode === 'check' ? 'up to date' : `${r.changed.length} written, ${r.removed.length} removed`}\n`);
  }
} catch (e) {
  process.stderr.write(`${isDefinitionError(e) ? (e as Error).message : String((e as Error).stack ?? e)}\n`);
  process.exitCode = 2;
}
