import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { e2eFamilyProblems, goExecName } from '../src/e2e.ts';
import { parseGoModReplaces, parseGoModRequires } from '../src/gomod.ts';
import { e2eModuleDir, findRepoRoot } from '../src/repo.ts';
import { CRD_SOURCES, E2E_FAMILIES, E2E_FAMILY_NAMES, e2eBinaryModuleVersion, NOTIFICATION_CRD_VERSION, TOOL_PINS } from '../src/versions.ts';

const root = findRepoRoot(import.meta.dirname);
const read = (family: string, file: string) => readFileSync(join(e2eModuleDir(root, family), file), 'utf8');

describe('e2e component pins', () => {
  it.each(E2E_FAMILY_NAMES)('%s: the committed wrapper go.mod requires, checksums and builds exactly what versions.ts says', (name) => {
    expect(e2eFamilyProblems(E2E_FAMILIES[name], read(name, 'go.mod'), read(name, 'go.sum'))).toEqual([]);
  });

  it('kubernetes: every k8s.io staging module is required and replaced at the release’s v0 twin', () => {
    const goMod = read('kubernetes', 'go.mod');
    const replaces = parseGoModReplaces(goMod);
    const staging = E2E_FAMILIES.kubernetes.replaces ?? [];
    expect(staging.length).toBeGreaterThan(25);
    for (const { module, version } of staging) {
      expect(version).toBe('v0.37.2');
      expect(replaces.get(module)).toEqual({ module, version });
    }
    // The ones the proxy refuses stay out; nothing needs them.
    expect([...replaces.keys(), ...parseGoModRequires(goMod).keys()].filter((m) => /sample-(cli-plugin|controller)/.test(m))).toEqual([]);
    expect(E2E_FAMILIES.kubernetes.ldflags).toContain('-X k8s.io/component-base/version.gitVersion=v1.37.2');
  });

  it('flux: the controllers’ `./api` replaces are not carried over, so the published api modules are used', () => {
    const goMod = read('flux', 'go.mod');
    expect([...parseGoModReplaces(goMod).values()].filter((to) => to.module.startsWith('.'))).toEqual([]);
    const requires = parseGoModRequires(goMod);
    for (const { module, version } of E2E_FAMILIES.flux.modules) expect(requires.get(`${module}/api`)).toBe(version);
  });

  it('every binary is a distinct file in .tools/bin that does not shadow a tool', () => {
    const names = E2E_FAMILY_NAMES.flatMap((f) => E2E_FAMILIES[f].binaries.map((b) => b.name));
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(Object.keys(TOOL_PINS)).not.toContain(name);
    expect(goExecName('go.etcd.io/etcd/server/v3')).toBe('server');
    expect(goExecName('k8s.io/kubernetes/cmd/kube-apiserver')).toBe('kube-apiserver');
  });

  it('the Flux CRDs the repo validates against are the ones the e2e controllers install', () => {
    const crdPins = new Map(CRD_SOURCES.flux.modules.map((pin) => [pin.module, pin.version]));
    for (const binary of E2E_FAMILIES.flux.binaries) {
      const built = e2eBinaryModuleVersion(E2E_FAMILIES.flux, binary);
      // notification-controller: the CRDs of v1.9.2, byte-identical to the v1.9.3 that runs (see versions.ts).
      const expected = binary.name === 'notification-controller' ? NOTIFICATION_CRD_VERSION : built;
      expect(crdPins.get(binary.module), binary.module).toBe(expected);
    }
    expect(E2E_FAMILIES.flux.modules.find((pin) => pin.module.endsWith('/notification-controller'))?.version).toBe('v1.9.3');
  });
});
