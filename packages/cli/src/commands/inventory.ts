import { inventory, loadPlatform } from '@carbon/generate';
import { cores, gib, loadClusters } from '@carbon/platform';
import { checkClusterNames } from '@carbon/render';
import { choice, repeatable } from '../args.ts';
import { EXIT, type Io } from '../io.ts';
import { repoRoot } from '../root.ts';

export const summary = 'per-cluster inventory: services, pods and requests per namespace against quota';

export const options = [repeatable('--cluster <name>', 'only this cluster'), choice('--format <format>', 'output format', ['text', 'json'], 'text')];

export async function run({ cluster, format }: { cluster?: string[]; format: 'text' | 'json' }, io: Io): Promise<number> {
  const root = repoRoot(io.cwd);
  // A read-only command: an unknown --cluster is bad usage with the choices, as for validate and diff.
  if (cluster?.length) checkClusterNames(cluster, loadClusters(root).map((c) => c.name));
  const platform = await loadPlatform(root, cluster?.length ? { clusters: cluster } : {});
  const inv = inventory(platform);
  if (format === 'json') {
    io.out(`${JSON.stringify({ clusters: inv }, null, 2)}\n`);
    return EXIT.ok;
  }
  for (const c of inv) {
    io.out(`\n${c.cluster} (${c.role}): ${c.nodes} node${c.nodes === 1 ? '' : 's'}, ${cores(c.allocatableCpu)} vCPU / ${gib(c.allocatableMemory)} GiB allocatable, ${c.services} services, ${c.workloads} workloads\n`);
    io.out(`  ${'namespace'.padEnd(18)} ${'pods'.padStart(4)}  ${'cpu req/quota'.padStart(14)}  ${'mem GiB req/quota'.padStart(18)}  services\n`);
    let cpu = 0;
    let mem = 0;
    let pods = 0;
    for (const n of c.namespaces) {
      cpu += n.cpuRequests;
      mem += n.memoryRequests;
      pods += n.pods;
      const over = n.cpuRequests > n.quotaCpu || n.memoryRequests > n.quotaMemory ? '  OVER QUOTA' : '';
      io.out(
        `  ${n.namespace.padEnd(18)} ${String(n.pods).padStart(4)}  ${`${cores(n.cpuRequests)}/${cores(n.quotaCpu)}`.padStart(14)}  ${`${gib(n.memoryRequests)}/${gib(n.quotaMemory)}`.padStart(18)}  ${n.services.join(', ')}${over}\n`,
      );
    }
    if (c.notDeployed.length) io.out(`  not deployed here (no pin yet; first promotion deploys them): ${c.notDeployed.join(', ')}\n`);
    io.out(`  ${'total'.padEnd(18)} ${String(pods).padStart(4)}  ${`${cores(cpu)}/${cores(c.allocatableCpu)}`.padStart(14)}  ${`${gib(mem)}/${gib(c.allocatableMemory)}`.padStart(18)}  (against node allocatable)\n`);
  }
  return EXIT.ok;
}
