import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { checkE2eBinary, E2E_FAMILIES, E2E_FAMILY_NAMES, E2eComponentMissingError, e2eBinaryModuleVersion, goModCacheDir, toolBinDir, type E2eBinaryName } from '@carbon/toolchain';

/**
 * The real components the e2e runs and where their pinned builds live. The toolchain builds them
 * into `.tools/bin` (module sources in `.tools/gomod`); PLATFORM_E2E_BIN_DIR / PLATFORM_E2E_GOMOD_DIR
 * point elsewhere (e.g. another worktree while its build is not on main).
 */
export const COMPONENTS = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok', 'source-controller', 'kustomize-controller', 'notification-controller'] as const;
export type Component = (typeof COMPONENTS)[number];

/** The module and version a component is built from: the toolchain's pins (packages/toolchain versions.ts), read, not repeated. */
export function pinnedModule(name: E2eBinaryName): { module: string; version: string } {
  for (const f of E2E_FAMILY_NAMES) {
    const family = E2E_FAMILIES[f];
    const b = family.binaries.find((x) => x.name === name);
    if (b) return { module: b.module, version: e2eBinaryModuleVersion(family, b) };
  }
  throw new Error(`${name} is not an e2e component the toolchain builds`);
}

/** Module versions whose sources hold the Flux CRDs and KWOK stages matching the binaries. */
export const SOURCES = {
  'source-controller': { ...pinnedModule('source-controller'), crds: 'config/crd/bases' },
  'kustomize-controller': { ...pinnedModule('kustomize-controller'), crds: 'config/crd/bases' },
  'notification-controller': { ...pinnedModule('notification-controller'), crds: 'config/crd/bases' },
  kwok: pinnedModule('kwok'),
} as const;

export type Locations = { root: string; binDir: string; gomodDir: string; /** PLATFORM_E2E_BIN_DIR points elsewhere: its builds are taken as they are. */ binOverride: boolean };

export function locations(root: string, env: NodeJS.ProcessEnv = process.env): Locations {
  return {
    root,
    binDir: env.PLATFORM_E2E_BIN_DIR || toolBinDir(root),
    gomodDir: env.PLATFORM_E2E_GOMOD_DIR || goModCacheDir(root),
    binOverride: Boolean(env.PLATFORM_E2E_BIN_DIR),
  };
}

export class ComponentMissingError extends Error {
  override readonly name = 'ComponentMissingError';
}

/** The pinned build of a component: the toolchain's check (installed and its recorded build the pinned one), or, under PLATFORM_E2E_BIN_DIR, that it exists. */
export function binary(loc: Locations, name: Component): string {
  if (!loc.binOverride) {
    try {
      return checkE2eBinary(loc.root, name);
    } catch (e) {
      throw e instanceof E2eComponentMissingError ? new ComponentMissingError(e.message) : e;
    }
  }
  const path = join(loc.binDir, name);
  if (!existsSync(path)) throw new ComponentMissingError(`${name} is not built: ${path} is missing (PLATFORM_E2E_BIN_DIR must hold the pinned builds)`);
  return path;
}

/** A module's source folder in the Go module cache (module paths lower-cased with `!` escapes). */
export function moduleDir(loc: Locations, module: string, version: string): string {
  const escaped = module.replace(/[A-Z]/g, (c) => `!${c.toLowerCase()}`);
  const dir = join(loc.gomodDir, `${escaped}@${version}`);
  if (!existsSync(dir)) throw new ComponentMissingError(`module source ${module}@${version} is not in ${loc.gomodDir} (the toolchain downloads it with the binaries)`);
  return dir;
}
