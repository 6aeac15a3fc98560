import type { K8sObject } from '@carbon/manifests';

/**
 * CRDs come from the same pinned, checksum-verified module sources as the validation schemas
 * (@carbon/toolchain). Loaded lazily so commands that never render CRDs do not need the Go toolchain.
 */
export async function crdProvider(root: string): Promise<(source: string) => K8sObject[]> {
  const toolchain = (await import('@carbon/toolchain')) as { loadCrds: (root: string, source: string) => Promise<K8sObject[]> | K8sObject[] };
  const cache = new Map<string, K8sObject[]>();
  const sources = ['cert-manager', 'prometheus-operator', 'velero', 'external-secrets'];
  for (const s of sources) {
    const crds = await toolchain.loadCrds(root, s);
    cache.set(
      s,
      crds
        .map((c) => stripCrd(c))
        .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name)),
    );
  }
  return (source: string) => {
    const list = cache.get(source);
    if (!list) throw new Error(`unknown CRD source "${source}" (known: ${sources.join(', ')})`);
    return list;
  };
}

function stripCrd(c: K8sObject): K8sObject {
  const { status: _status, ...rest } = c as K8sObject & { status?: unknown };
  const metadata = { ...rest.metadata } as K8sObject['metadata'] & { creationTimestamp?: unknown };
  delete metadata.creationTimestamp;
  return { ...rest, metadata };
}
