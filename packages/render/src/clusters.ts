import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { kustomizationFile } from './build.ts';
import { listFluxClusters, type ClusterDiscovery } from './discover.ts';
import { walkTree } from './walk.ts';

/**
 * Bad usage, not bad input: the folder is not a Flux repository, or a requested cluster is not one
 * of its clusters. Callers exit 2 and print `message` and `hint` (the valid choices).
 */
export class ClusterSelectionError extends Error {
  override readonly name = 'ClusterSelectionError';
  constructor(
    message: string,
    readonly hint: string,
    /** The clusters the folder does have (empty when it is not a Flux repository). */
    readonly choices: readonly string[] = [],
  ) {
    super(message);
  }
}

/** Echo a user-given name only after reducing it to harmless characters. */
export const safeName = (name: string): string => name.replace(/[^A-Za-z0-9._-]/g, '?').slice(0, 64);

const EXPECTED = 'a Flux repository has clusters/<name>/ folders, a Flux Kustomization that syncs a folder, or is one cluster folder holding a kustomization.yaml or Kubernetes manifests (.yaml/.yml with apiVersion and kind); `platform clusters --path DIR` lists what is found';
/** Entries looked at before deciding a folder holds no manifest: bounded, whatever the folder. */
const MAX_ENTRIES = 10_000;
const MAX_SNIFF_BYTES = 64 * 1024;

/** True when `dir` holds a kustomization file or a YAML file that declares a Kubernetes object (apiVersion and kind). */
function holdsManifests(dir: string): boolean {
  if (kustomizationFile(dir)) return true;
  return walkTree(dir, { maxEntries: MAX_ENTRIES, skip: (name) => name.startsWith('.') }, (p, e) => {
    if (!e.isFile() || !/\.ya?ml$/.test(e.name)) return false;
    let head = '';
    try {
      head = readFileSync(p).subarray(0, MAX_SNIFF_BYTES).toString('utf8');
    } catch {
      return false;
    }
    return /^apiVersion:/m.test(head) && /^kind:/m.test(head);
  });
}

/**
 * The clusters of the Flux repository containing `dir` (as `listFluxClusters` discovers them),
 * narrowed to `requested` (every one when absent). The one place that decides what a usable
 * `--path` and `--cluster` are: a missing or empty folder, or one where nothing Flux would apply is
 * found, or a requested name that is not one of the clusters, is a ClusterSelectionError naming
 * what was expected and the valid choices. Requested names are compared, never joined into a path.
 */
export function selectFluxClusters(dir: string, requested?: readonly string[]): ClusterDiscovery {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new ClusterSelectionError(`${dir} is not a folder`, EXPECTED);
  const listed = listFluxClusters(dir);
  const only = listed.clusters.length === 1 ? listed.clusters[0] : undefined;
  // Nothing discovered: the folder itself stands as the one cluster, so it must hold something Flux would apply.
  if (only?.how === 'path' && !holdsManifests(join(listed.repoRoot, only.dir))) {
    const empty = readdirSync(dir).filter((n) => !n.startsWith('.')).length === 0;
    throw new ClusterSelectionError(`${dir} is not a Flux repository: ${empty ? 'the folder is empty' : 'no cluster, Flux Kustomization, kustomization.yaml or Kubernetes manifest was found'}`, EXPECTED);
  }
  if (!requested?.length) return listed;
  checkClusterNames(requested, listed.clusters.map((c) => c.name));
  return { ...listed, clusters: listed.clusters.filter((c) => requested.includes(c.name)) };
}

/** Throws ClusterSelectionError unless every requested name is one of `available`. */
export function checkClusterNames(requested: readonly string[], available: readonly string[]): void {
  const unknown = [...new Set(requested.filter((c) => !available.includes(c)))];
  if (!unknown.length) return;
  const choices = [...available].sort();
  throw new ClusterSelectionError(
    `--cluster: ${unknown.map((c) => `"${safeName(c)}"`).join(', ')} ${unknown.length === 1 ? 'is not a cluster' : 'are not clusters'} of this repository`,
    choices.length ? `valid choices: ${choices.join(', ')}` : 'this repository has no clusters',
    choices,
  );
}
