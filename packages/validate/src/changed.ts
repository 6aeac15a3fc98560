import { execOrThrow, type Runner } from '@carbon/toolchain';

/** What a change touches: services (apps/<name>/), cluster folders, or everything (shared code, policy). */
export type Scope = { ref: string; files: string[]; services: string[]; clusters: string[]; everything: boolean };

const REF = /^[A-Za-z0-9._/@^~{}-]+$/;

/** `git diff --name-only REF` plus untracked files, mapped to services and clusters. */
export async function changedScope(repo: string, ref: string, runner: Runner): Promise<Scope> {
  if (!REF.test(ref) || ref.startsWith('-')) throw new Error(`--changed-since: "${ref}" is not a git revision`);
  const diff = await execOrThrow('git', ['-C', repo, 'diff', '--name-only', ref, '--'], {}, runner);
  const untracked = await execOrThrow('git', ['-C', repo, 'ls-files', '--others', '--exclude-standard'], {}, runner);
  const files = [...new Set([...diff.stdout.split('\n'), ...untracked.stdout.split('\n')].map((l) => l.trim()).filter(Boolean))].sort();
  const services = new Set<string>();
  const clusters = new Set<string>();
  let everything = false;
  for (const f of files) {
    const [top, second] = f.split('/');
    if (top === 'apps' && second) services.add(second);
    else if (top === 'clusters' && second) clusters.add(second);
    else if (top === 'packages' || top === 'platform') everything = true;
  }
  return { ref, files, services: [...services].sort(), clusters: [...clusters].sort(), everything };
}

type Located = { file?: string; sourceFile?: string; service?: string; generatedFrom?: string; id?: string; category?: string; related?: readonly string[] };

/**
 * Findings about the cluster as a whole — whether pods fit (capacity, scheduling), survive a lost
 * node (resilience), run on one node — move with any change to the cluster: a service that grows
 * can leave another service's pods unplaceable. They are located at the other service's workload,
 * so the file test below would hide them.
 */
const ENVIRONMENT = new Set(['capacity', 'scheduling', 'resilience', 'single-node']);

/**
 * Whether an object or finding belongs to the change: its file (or generating definition) is in a
 * changed service or a changed cluster folder. Cluster-wide environment findings (cluster.yaml)
 * belong to every change, since any service change moves the cluster's totals.
 */
export function inScope(scope: Scope, cluster: string, x: Located): boolean {
  if (scope.everything) return true;
  if (!scope.files.length) return false;
  const file = x.file ?? x.sourceFile ?? '';
  const def = x.service ?? x.generatedFrom ?? '';
  if (file === `clusters/${cluster}/cluster.yaml` || file === 'platform/policy.yaml' || (!file && x.id)) return true;
  // A changed service renders on every cluster; a changed cluster folder moves that cluster only.
  if (x.category && ENVIRONMENT.has(x.category) && (scope.services.length > 0 || scope.clusters.includes(cluster))) return true;
  if (scope.clusters.includes(cluster) && file.startsWith(`clusters/${cluster}/`)) return true;
  if (scope.files.includes(file)) return true;
  const files = [file, def, ...(x.related ?? [])];
  return scope.services.some((s) => files.some((f) => f.startsWith(`apps/${s}/`)));
}
