import { resolve } from 'node:path';
import { listFluxClusters } from '@carbon/render';
import { choice, option } from '../args.ts';
import { EXIT, type Io } from '../io.ts';

export const summary = 'the Flux clusters found in a repository (--path DIR: a repo root or any cluster folder) and how each was recognised';

const HOW = {
  'clusters-folder': 'clusters/<name>/ folder',
  sync: 'sync Kustomization',
  'flux-instance': 'FluxInstance sync.path',
  unreached: 'Flux Kustomizations no other reaches',
  path: 'the folder given',
} as const;

export const options = [option('--path <dir>', 'a repository root or any cluster folder (default: the current folder)'), choice('--format <format>', 'output format', ['text', 'json'], 'text')];

export async function run(values: { path?: string; format: 'text' | 'json' }, io: Io): Promise<number> {
  const format = values.format;
  const { repoRoot, clusters } = listFluxClusters(resolve(io.cwd, values.path ?? '.'));
  if (format === 'json') {
    io.out(`${JSON.stringify({ repoRoot, clusters }, null, 2)}\n`);
    return EXIT.ok;
  }
  io.out(`repository ${repoRoot}\n`);
  const w = Math.max(4, ...clusters.map((c) => c.name.length));
  const d = Math.max(6, ...clusters.map((c) => c.dir.length));
  for (const c of clusters) io.out(`  ${c.name.padEnd(w)}  ${c.dir.padEnd(d)}  ${HOW[c.how]}${c.declaredIn ? ` (${c.declaredIn})` : ''}\n`);
  return EXIT.ok;
}
