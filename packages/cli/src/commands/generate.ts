import { generate, unpinnedServices } from '@carbon/generate';
import { oneSidedNetworkRules } from '@carbon/platform';
import { option } from '../args.ts';
import { EXIT, type Io } from '../io.ts';
import { repoRoot } from '../root.ts';

export const summary = 'regenerate Kustomize output; --check fails when committed output is stale';

export const options = [option('--check', 'write nothing; exit 1 listing stale files'), option('--service <name>', "write only this service's apps/<name>/deploy/")];

export async function run(values: { check?: boolean; service?: string }, io: Io): Promise<number> {
  const root = repoRoot(io.cwd);
  const result = await generate(root, { check: Boolean(values.check), ...(values.service ? { service: values.service } : {}) });
  const stale = [...result.changed, ...result.removed];
  // A network rule declared on one side only is valid YAML and valid policy, and drops the traffic: say so.
  for (const r of oneSidedNetworkRules(result.platform.services)) io.err(`warning: ${r.file}: ${r.field}: ${r.message}\n`);
  // A pinned cluster gets no Flux wiring for a service without a pin: say so (stderr, so stdout stays the file list).
  for (const u of unpinnedServices(result.platform)) {
    io.err(`note: ${u.service} has no pin on ${u.cluster}: nothing is deployed there until its first promotion (npx platform promote --service ${u.service} --revision <sha on main>)\n`);
  }
  if (result.mode === 'check') {
    if (stale.length === 0) {
      io.out(`generate --check: ${result.files} generated files are up to date\n`);
      return EXIT.ok;
    }
    io.err(`generate --check: ${stale.length} generated file${stale.length === 1 ? ' is' : 's are'} stale:\n`);
    for (const f of result.changed) io.err(`  changed  ${f}\n`);
    for (const f of result.removed) io.err(`  extra    ${f}\n`);
    io.err(`Run \`npx platform generate${values.service ? ` --service ${values.service}` : ''}\` and commit the result.\n`);
    return EXIT.findings;
  }
  io.out(`generate: ${result.files} files, ${result.changed.length} written, ${result.removed.length} removed\n`);
  for (const f of result.changed) io.out(`  wrote    ${f}\n`);
  for (const f of result.removed) io.out(`  removed  ${f}\n`);
  return EXIT.ok;
}
