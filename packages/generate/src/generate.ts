import { DefinitionError, DefinitionErrors } from '@carbon/platform';
import { crdProvider } from './crds.ts';
import { loadPlatform, type PlatformSources } from './load.ts';
import { renderPlatform, type RenderedPlatform } from './render.ts';
import { applyTree, compareTree, ownedDirs, type TreeDelta } from './write.ts';

export interface GenerateOptions {
  check?: boolean;
  service?: string;
  /** Only the Flux wiring under clusters/ (the turbo task of the clusters workspace). */
  clustersOnly?: boolean;
  /** Skip CRD loading (unit tests on inline fixtures without the Go toolchain). */
  crds?: false;
}

export interface GenerateResult extends TreeDelta {
  mode: 'write' | 'check';
  files: number;
  platform: PlatformSources;
  rendered: RenderedPlatform;
}

/**
 * Renders the whole platform and either writes what changed or, with `check`, reports it.
 * Everything is rendered and checked before anything is written: a bad definition writes nothing.
 */
export async function generate(root: string, opts: GenerateOptions = {}): Promise<GenerateResult> {
  const platform = await loadPlatform(root);
  if (opts.service && !platform.services.some((s) => s.definition.name === opts.service)) {
    throw new DefinitionErrors([
      new DefinitionError({ file: `apps/${opts.service}`, field: '', message: `no service "${opts.service}"`, hint: `known: ${platform.services.map((s) => s.definition.name).join(', ')}` }),
    ]);
  }
  const needsCrds = opts.crds !== false && !opts.clustersOnly && platform.services.some((s) => s.definition.crds);
  // The wiring does not depend on CRD contents, so the clusters task skips loading them.
  const crds = needsCrds ? await crdProvider(root) : opts.clustersOnly ? () => [] : undefined;
  const only = opts.service ? [opts.service] : opts.clustersOnly ? [] : undefined;
  const rendered = renderPlatform(platform, { ...(crds ? { crds } : {}), ...(only ? { only } : {}), clusters: !only || opts.clustersOnly === true });
  const owned = opts.clustersOnly
    ? platform.clusters.map((c) => `clusters/${c.name}`)
    : ownedDirs(root, opts.service ? [opts.service] : 'all', platform.clusters.map((c) => c.name));
  const delta = compareTree(root, rendered.files, owned);
  if (!opts.check) applyTree(root, rendered.files, delta);
  return { ...delta, mode: opts.check ? 'check' : 'write', files: rendered.files.size, platform, rendered };
}
