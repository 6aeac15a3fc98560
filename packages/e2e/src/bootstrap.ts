import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FluxKustomization } from '@carbon/render';
import { parseAllDocuments } from 'yaml';
import type { ControlPlane } from './cluster.ts';
import type { KubeObject } from './kube.ts';

/** The field manager the bootstrap applies with; kustomize-controller's own applies leave its fields alone. */
export const BOOTSTRAP_MANAGER = 'carbon-e2e-bootstrap';

/** Objects served by pods that cannot run here: an API server would call them and fail or stall. */
const UNSERVABLE = new Set(['ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration', 'APIService']);

export type Drop = { kustomization: string; kind: string; name: string; file?: string };

/** Webhook configurations and APIServices (backed by a Service) each Flux Kustomization would apply. */
export function unservable(kustomizations: FluxKustomization[]): Drop[] {
  const out: Drop[] = [];
  for (const k of kustomizations)
    for (const ro of k.objects) {
      const o = ro.object as KubeObject;
      if (!UNSERVABLE.has(o.kind)) continue;
      if (o.kind === 'APIService' && !o.spec?.service) continue;
      out.push({ kustomization: k.name, kind: o.kind, name: o.metadata.name, ...(ro.sourceFile ? { file: ro.sourceFile } : {}) });
    }
  return out;
}

type Patch = { patch: string; target: Record<string, string> };

const GROUPS: Record<string, string> = { ValidatingWebhookConfiguration: 'admissionregistration.k8s.io', MutatingWebhookConfiguration: 'admissionregistration.k8s.io', APIService: 'apiregistration.k8s.io' };

/**
 * The patches the bootstrap Kustomization carries: every GitRepository's URL becomes the
 * loopback server's (the only change to what clusters/<c>/flux-system declares), and each
 * Kustomization that would apply an unservable webhook/APIService gets a `$patch: delete` for it.
 */
export function bootstrapPatches(gitUrl: string, drops: Drop[], extra: Patch[] = []): Patch[] {
  const patches: Patch[] = [{ target: { group: 'source.toolkit.fluxcd.io', kind: 'GitRepository' }, patch: JSON.stringify([{ op: 'replace', path: '/spec/url', value: gitUrl }]) }];
  const byK = new Map<string, Drop[]>();
  for (const d of drops) byK.set(d.kustomization, [...(byK.get(d.kustomization) ?? []), d]);
  for (const [k, list] of [...byK].sort()) {
    const inner: Patch[] = list.map((d) => ({
      target: { group: GROUPS[d.kind]!, kind: d.kind, name: d.name },
      patch: `$patch: delete\napiVersion: ${GROUPS[d.kind]}/v1\nkind: ${d.kind}\nmetadata:\n  name: ${d.name}\n`,
    }));
    patches.push({ target: { group: 'kustomize.toolkit.fluxcd.io', kind: 'Kustomization', name: k }, patch: JSON.stringify([{ op: 'add', path: '/spec/patches', value: inner }]) });
  }
  return [...patches, ...extra];
}

/** What the e2e prints so the change to the declared bootstrap is visible. */
export function describePatches(cluster: string, gitUrl: string, drops: Drop[]): string {
  const lines = [`${cluster}: bootstrap as clusters/${cluster}/flux-system declares, with these patches on Kustomization flux-system/flux-system:`, `  - every GitRepository spec.url -> ${gitUrl}`];
  for (const d of drops) lines.push(`  - Kustomization ${d.kustomization}: drop ${d.kind} ${d.name}${d.file ? ` (${d.file})` : ''} — served by a pod that cannot run here`);
  return lines.join('\n');
}

/**
 * Creates flux-system (namespace, the git credentials Secret) and applies the cluster's declared
 * gotk-sync objects with the loopback URL and the patches.
 */
export async function bootstrap(cp: ControlPlane, root: string, gitUrl: string, credentials: { username: string; password: string }, patches: Patch[]): Promise<void> {
  const kube = cp.kube;
  await kube.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'flux-system' } }, BOOTSTRAP_MANAGER);
  await kube.apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'flux-system', namespace: 'flux-system' }, type: 'Opaque', stringData: credentials }, BOOTSTRAP_MANAGER);
  const file = join(root, 'clusters', cp.cluster, 'flux-system', 'gotk-sync.yaml');
  const docs = parseAllDocuments(readFileSync(file, 'utf8')).map((d) => d.toJS() as KubeObject).filter(Boolean);
  for (const o of docs) {
    if (o.kind === 'GitRepository') o.spec.url = gitUrl;
    if (o.kind === 'Kustomization' && o.metadata.name === 'flux-system') o.spec.patches = patches;
    await kube.apply(o, BOOTSTRAP_MANAGER);
  }
}
