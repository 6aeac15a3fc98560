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

export type Patch = { patch: string; target: Record<string, string> };

const GROUPS: Record<string, string> = { ValidatingWebhookConfiguration: 'admissionregistration.k8s.io', MutatingWebhookConfiguration: 'admissionregistration.k8s.io', APIService: 'apiregistration.k8s.io' };

const urlPatch = (gitUrl: string): Patch => ({ target: { group: 'source.toolkit.fluxcd.io', kind: 'GitRepository' }, patch: JSON.stringify([{ op: 'replace', path: '/spec/url', value: gitUrl }]) });

const dropPatch = (d: Drop): Patch => ({
  target: { group: GROUPS[d.kind]!, kind: d.kind, name: d.name },
  patch: `$patch: delete\napiVersion: ${GROUPS[d.kind]}/v1\nkind: ${d.kind}\nmetadata:\n  name: ${d.name}\n`,
});

/**
 * The patches the bootstrap `flux-system` Kustomization carries. Each Flux Kustomization that
 * applies a GitRepository gets the URL patch (the loopback server: the only change to what
 * clusters/<c>/flux-system declares), each one that would apply an unservable webhook/APIService
 * gets a `$patch: delete` for it; a Kustomization applied by another one receives its patches
 * through a patch on its parent (`add /spec/patches`), up to flux-system.
 */
export function bootstrapPatches(gitUrl: string, drops: Drop[], kustomizations: Pick<FluxKustomization, 'name' | 'objects'>[], root = 'flux-system', extra: { kustomization: string; patch: Patch }[] = []): Patch[] {
  const parent = new Map<string, string>();
  for (const k of kustomizations)
    for (const ro of k.objects)
      if (ro.object.kind === 'Kustomization' && ro.object.apiVersion?.startsWith('kustomize.toolkit.fluxcd.io/') && ro.object.metadata?.name !== k.name) parent.set(ro.object.metadata!.name!, k.name);
  const want = new Map<string, Patch[]>();
  const add = (k: string, p: Patch) => want.set(k, [...(want.get(k) ?? []), p]);
  for (const k of kustomizations) if (k.objects.some((ro) => ro.object.kind === 'GitRepository')) add(k.name, urlPatch(gitUrl));
  for (const d of [...drops].sort((a, b) => (a.kustomization + a.kind + a.name < b.kustomization + b.kind + b.name ? -1 : 1))) add(d.kustomization, dropPatch(d));
  // Other printed patches (e.g. the promotion loop's Provider address), each on the Kustomization that applies its target.
  for (const e of extra) add(e.kustomization, e.patch);
  const depth = (k: string): number => (parent.has(k) && parent.get(k) !== k ? 1 + depth(parent.get(k)!) : 0);
  // Deepest first, so a parent's patch carries its child's complete list.
  const deepest = Math.max(0, ...kustomizations.map((k) => depth(k.name)));
  for (let level = deepest; level > 0; level--)
    for (const k of [...want.keys()].filter((x) => x !== root && depth(x) === level).sort()) {
      const p = parent.get(k);
      if (p) add(p, { target: { group: 'kustomize.toolkit.fluxcd.io', kind: 'Kustomization', name: k }, patch: JSON.stringify([{ op: 'add', path: '/spec/patches', value: want.get(k) }]) });
    }
  return want.get(root) ?? [];
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
