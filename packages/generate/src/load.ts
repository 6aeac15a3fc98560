import { existsSync, readdirSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  DefinitionError,
  DefinitionErrors,
  loadClusters,
  YamlSource,
  type ClusterFacts,
  type LoadedService,
  type ServiceDefinition,
} from '@carbon/platform';

export const SERVICE_FILE = 'src/service.ts';
export const PINS_FILE = 'pins.yaml';
const SHA = /^[0-9a-f]{40}$/;

export interface Pin {
  commit: string;
}

export interface PlatformSources {
  root: string;
  clusters: ClusterFacts[];
  services: LoadedService[];
  /** cluster name → service → pin (only clusters with sourcing: pinned) */
  pins: Map<string, Map<string, Pin>>;
}

export function listServiceDirs(root: string): string[] {
  const apps = join(root, 'apps');
  if (!existsSync(apps)) return [];
  return readdirSync(apps, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(apps, d.name, SERVICE_FILE)))
    .map((d) => d.name)
    .sort();
}

/**
 * Services a pinned cluster does not run yet: no commit in its pins.yaml, so generate writes no
 * Flux wiring for them there until their first promotion.
 */
export function unpinnedServices(p: PlatformSources): { cluster: string; service: string }[] {
  return p.clusters
    .filter((c) => c.sourcing === 'pinned')
    .flatMap((c) => p.services.filter((s) => !p.pins.get(c.name)?.get(s.definition.name)).map((s) => ({ cluster: c.name, service: s.definition.name })));
}

/** Imports every apps/<name>/src/service.ts; a module that fails to load or exports no definition is a located error. */
export async function loadServices(root: string, only?: string[]): Promise<LoadedService[]> {
  const dirs = listServiceDirs(root).filter((d) => !only || only.includes(d));
  const errors: DefinitionError[] = [];
  const out: LoadedService[] = [];
  for (const dir of dirs) {
    const file = `apps/${dir}/${SERVICE_FILE}`;
    try {
      // The mtime in the URL makes a long-lived process (tests, watch) see an edited definition;
      // `&lang.ts` keeps vite (vitest) transforming it as TypeScript despite the query.
      const url = `${pathToFileURL(join(root, file)).href}?mtime=${statSync(join(root, file)).mtimeMs}&lang.ts`;
      const mod = (await import(url)) as { service?: ServiceDefinition; default?: ServiceDefinition };
      const definition = mod.service ?? mod.default;
      if (!definition || typeof definition !== 'object') {
        errors.push(new DefinitionError({ file, field: '', message: 'exports no service definition', hint: 'export const service = defineService({...})' }));
        continue;
      }
      out.push({ definition, file, dir });
    } catch (e) {
      if (e instanceof DefinitionErrors) errors.push(...e.errors);
      else errors.push(loadError(file, e, root));
    }
  }
  if (errors.length) throw new DefinitionErrors(errors);
  return out;
}

/**
 * A definition that does not compile or throws while loading: file, line and the compiler's own
 * message. esbuild (tsx, vite) reports `Transform failed with 1 error:` on the first line and the
 * location and message (`file.ts:44:8: ERROR: Unexpected "="`) on the next, or as `errors[]`.
 */
export function loadError(file: string, e: unknown, root?: string): DefinitionError {
  const err = e as { message?: string; errors?: Array<{ text?: string; location?: { file?: string; line?: number; column?: number } | null }>; loc?: { line?: number } };
  const first = err.errors?.find((x) => x.text);
  if (first?.text) return new DefinitionError({ file: sourceFile(file, first.location?.file, root), field: '', message: `does not compile: ${first.text}${first.location?.column !== undefined ? ` (column ${first.location.column + 1})` : ''}`, hint: 'fix the TypeScript syntax', ...(first.location?.line ? { line: first.location.line } : {}) });
  // eslint-disable-next-line no-control-regex
  const text = String(err.message ?? e).replace(/\u001b\[[0-9;]*m/g, '');
  // esbuild: `path:44:8: ERROR: Unexpected "="` (0-based column).
  const m = /(?:^|\n)\s*(?:✘ \[ERROR\] )?([^\n]*?):(\d+):(\d+):\s*ERROR:\s*(.+)/.exec(text);
  if (m) return new DefinitionError({ file: sourceFile(file, m[1], root), field: '', message: `does not compile: ${m[4]!.trim()} (column ${Number(m[3]) + 1})`, hint: 'fix the TypeScript syntax', line: Number(m[2]) });
  // oxc (vite): `[PARSE_ERROR] Unexpected token` then `╭─[ path:3:9 ]` (1-based column).
  const oxc = /\[([A-Z_]+)\]\s*([^\n]+)[\s\S]*?─\[\s*([^\n]*?):(\d+):(\d+)\s*\]/.exec(text);
  if (oxc) return new DefinitionError({ file: sourceFile(file, oxc[3], root), field: '', message: `does not compile: ${oxc[2]!.trim()} (column ${oxc[5]})`, hint: 'fix the TypeScript syntax', line: Number(oxc[4]) });
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  return new DefinitionError({ file, field: '', message: `cannot load: ${lines.slice(0, 2).join(' ')}`, ...(err.loc?.line ? { line: err.loc.line } : {}) });
}

/**
 * The file the compiler blamed, when it is a sibling module of the service (a `src/config.ts` the
 * definition imports), relative to the repo; otherwise the service file itself.
 */
function sourceFile(file: string, reported: string | undefined, root: string | undefined): string {
  if (!reported || !root) return file;
  // vite names the module by its import URL: drop the `?mtime=…` query and a file:// scheme.
  const path = reported.replace(/\?.*$/, '').replace(/^file:\/\//, '');
  const abs = isAbsolute(path) ? path : resolve(root, path);
  const rel = relative(root, abs).split('\\').join('/');
  const pkg = file.slice(0, file.lastIndexOf('/src/') + 1);
  return pkg && rel.startsWith(pkg) && !rel.includes('..') ? rel : file;
}

/** Reads clusters/<name>/pins.yaml: which commit each service runs at on a pinned cluster. */
export function loadPins(root: string, cluster: ClusterFacts, serviceNames: Set<string>): Map<string, Pin> {
  const rel = `clusters/${cluster.name}/${PINS_FILE}`;
  const pins = new Map<string, Pin>();
  if (cluster.sourcing !== 'pinned' || !existsSync(join(root, rel))) return pins;
  const src = YamlSource.read(join(root, rel), rel);
  const raw = src.toJS() as { kind?: string; pins?: Record<string, { commit?: unknown }> } | null;
  const errors: DefinitionError[] = [];
  if (raw?.kind !== 'PromotionPins') errors.push(src.error('kind', 'must be PromotionPins'));
  for (const [name, pin] of Object.entries(raw?.pins ?? {})) {
    if (!serviceNames.has(name)) errors.push(src.error(`pins.${name}`, `no service "${name}" under apps/`, 'remove the pin or add the service'));
    else if (typeof pin?.commit !== 'string' || !SHA.test(pin.commit)) errors.push(src.error(`pins.${name}.commit`, 'must be a full 40-character commit SHA'));
    else pins.set(name, { commit: pin.commit });
  }
  if (errors.length) throw new DefinitionErrors(errors);
  return pins;
}

export async function loadPlatform(root: string, opts: { clusters?: string[] } = {}): Promise<PlatformSources> {
  let clusters = loadClusters(root);
  if (opts.clusters) {
    for (const name of opts.clusters) {
      if (!clusters.some((c) => c.name === name)) {
        throw new DefinitionErrors([
          new DefinitionError({ file: `clusters/${name}/cluster.yaml`, field: '', message: `unknown cluster "${name}"`, hint: `known clusters: ${clusters.map((c) => c.name).join(', ')}` }),
        ]);
      }
    }
  }
  const services = await loadServices(root);
  const names = new Set(services.map((s) => s.definition.name));
  const pins = new Map<string, Map<string, Pin>>();
  for (const c of clusters) pins.set(c.name, loadPins(root, c, names));
  if (opts.clusters) clusters = clusters.filter((c) => opts.clusters!.includes(c.name));
  return { root, clusters, services, pins };
}
