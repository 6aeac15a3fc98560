import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { goModCacheDir, toolBinDir } from '@carbon/toolchain';

/**
 * The real components the e2e runs and where their pinned builds live. The toolchain builds them
 * into `.tools/bin` (module sources in `.tools/gomod`); PLATFORM_E2E_BIN_DIR / PLATFORM_E2E_GOMOD_DIR
 * point elsewhere (e.g. another worktree while its build is not on main).
 */
export const COMPONENTS = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok', 'source-controller', 'kustomize-controller', 'notification-controller'] as const;
export type Component = (typeof COMPONENTS)[number];

/** Module versions whose sources hold the Flux CRDs and KWOK stages matching the binaries. */
export const SOURCES = {
  'source-controller': { module: 'github.com/fluxcd/source-controller', version: 'v1.9.6', crds: 'config/crd/bases' },
  'kustomize-controller': { module: 'github.com/fluxcd/kustomize-controller', version: 'v1.9.6', crds: 'config/crd/bases' },
  'notification-controller': { module: 'github.com/fluxcd/notification-controller', version: 'v1.9.3', crds: 'config/crd/bases' },
  kwok: { module: 'sigs.k8s.io/kwok', version: 'v0.8.0' },
} as const;

export type Locations = { binDir: string; gomodDir: string };

export function locations(root: string, env: NodeJS.ProcessEnv = process.env): Locations {
  return {
    binDir: env.PLATFORM_E2E_BIN_DIR || toolBinDir(root),
    gomodDir: env.PLATFORM_E2E_GOMOD_DIR || goModCacheDir(root),
  };
}

export class ComponentMissingError extends Error {
  override readonly name = 'ComponentMissingError';
}

export function binary(loc: Locations, name: Component): string {
  const path = join(loc.binDir, name);
  if (!existsSync(path)) throw new ComponentMissingError(`${name} is not built: ${path} is missing (run \`npm run setup\`, or set PLATFORM_E2E_BIN_DIR to a folder holding the pinned builds)`);
  return path;
}

/** A module's source folder in the Go module cache (module paths lower-cased with `!` escapes). */
export function moduleDir(loc: Locations, module: string, version: string): string {
  const escaped = module.replace(/[A-Z]/g, (c) => `!${c.toLowerCase()}`);
  const dir = join(loc.gomodDir, `${escaped}@${version}`);
  if (!existsSync(dir)) throw new ComponentMissingError(`module source ${module}@${version} is not in ${loc.gomodDir} (the toolchain downloads it with the binaries)`);
  return dir;
}
