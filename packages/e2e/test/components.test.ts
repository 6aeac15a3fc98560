import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { E2E_FAMILIES } from '@carbon/toolchain';
import { describe, expect, it } from 'vitest';
import { binary, ComponentMissingError, locations, SOURCES } from '../src/components.ts';

describe('components: the toolchain pins and checks, used once', () => {
  it('the module versions the CRDs and KWOK stages are read from are the toolchain pins', () => {
    const flux = E2E_FAMILIES.flux.modules.find((m) => m.module === 'github.com/fluxcd/kustomize-controller')!;
    expect(SOURCES['kustomize-controller']).toMatchObject({ module: flux.module, version: flux.version });
    expect(SOURCES.kwok.module).toBe('sigs.k8s.io/kwok');
  });

  it('a component not built names the remedy; PLATFORM_E2E_BIN_DIR builds are only required to exist', () => {
    const root = mkdtempSync(join(tmpdir(), 'e2e-components-'));
    try {
      expect(() => binary(locations(root, {}), 'kube-apiserver')).toThrow(ComponentMissingError);
      expect(() => binary(locations(root, {}), 'kube-apiserver')).toThrow(/npm run setup -- --e2e/);
      expect(() => binary(locations(root, { PLATFORM_E2E_BIN_DIR: join(root, 'bin') }), 'etcd')).toThrow(/PLATFORM_E2E_BIN_DIR/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
