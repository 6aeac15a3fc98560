import { generate, unpinnedServices } from '@carbon/generate';
import { mixedTeamNamespaces } from '@carbon/manifests';
import { configMapCredentials, describeCredentials, githubAnnotation, locatedOneSidedRules } from '@carbon/validate';
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
  // The same findings as validate's NET007, at the rule's line; in GitHub Actions also an annotation on the PR's file.
  for (const r of locatedOneSidedRules(result.platform.services, root)) {
    io.err(`warning: ${r.file}${r.line ? `:${r.line}:${r.column}` : ''}: ${r.field}: ${r.message}\n`);
    if (process.env.GITHUB_ACTIONS === 'true') io.out(githubAnnotation('warning', { file: r.file, ...(r.line ? { line: r.line, column: r.column } : {}), title: 'NET007' }, `${r.field}: ${r.message}`));
  }
  // A literal credential in a generated config file is a credential in git (validate's SECR003 fails the PR): say so here first.
  const said = new Set<string>();
  const fileOf = new Map(result.platform.services.map((s) => [s.definition.name, s.file]));
  for (const [, byService] of result.rendered.objects) {
    for (const [service, objects] of byService) {
      for (const o of objects) {
        if (o.kind !== 'ConfigMap') continue;
        for (const c of configMapCredentials(o as { data?: Record<string, unknown> })) {
          const line = `warning: ${fileOf.get(service) ?? `apps/${service}`}: ConfigMap ${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}: ${describeCredentials(c)} (SECR003: read it from the environment, backed by an ExternalSecret from Vault)\n`;
          if (!said.has(line)) io.err(line);
          said.add(line);
        }
      }
    }
  }
  // A namespace whose services name different teams routes its alerts to platform: the owning team stops being paged.
  for (const m of mixedTeamNamespaces(result.platform.services.map((s) => s.definition)).filter((x) => x.owner !== 'platform')) {
    for (const o of m.outliers) {
      io.err(`warning: ${fileOf.get(o.service) ?? `apps/${o.service}`}: team: ${o.service} names ${o.team === 'platform' ? 'no team (platform)' : `team '${o.team}'`} while namespace ${m.namespace}'s other services name '${m.owner}', so alerts routed by namespace ${m.namespace} go to platform, not ${m.owner} (set team: '${m.owner}', or move the service to its own namespace)\n`);
    }
  }
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
