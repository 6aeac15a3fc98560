import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  buildInfoModuleVersion,
  checkE2eBinary,
  checkE2eComponents,
  E2eBuildError,
  E2eComponentMissingError,
  e2eBinaryPath,
  ensureE2eComponents,
  goExecName,
} from '../src/e2e.ts';
import type { ExecOptions, Runner } from '../src/exec.ts';
import { PinMismatchError } from '../src/gomod.ts';
import { e2eModuleDir, findRepoRoot } from '../src/repo.ts';
import { E2E_FAMILIES, E2E_FAMILY_NAMES, e2eBinaryModuleVersion, type E2eFamily } from '../src/versions.ts';

const repo = findRepoRoot(import.meta.dirname);

/** A root holding a copy of the committed wrapper modules, and nothing installed. */
function tempRoot(): string {
  const root = mkdtempSync(join(tmpdir(), 'toolchain-e2e-'));
  for (const family of E2E_FAMILY_NAMES) cpSync(e2eModuleDir(repo, family), e2eModuleDir(root, family), { recursive: true });
  return root;
}

const familyOfPackage = (pkg: string): E2eFamily => E2E_FAMILIES[E2E_FAMILY_NAMES.find((f) => E2E_FAMILIES[f].binaries.some((b) => b.package === pkg))!];

type Call = { cmd: string; args: readonly string[]; options?: ExecOptions };

/**
 * Plays `go`: `go build -o <dir>/ pkgs…` writes one file per package; `go version -m <file>`
 * reports the pinned module version (or `wrongVersion`, to test the check).
 */
function goDouble(options: { buildStderr?: string; wrongVersion?: string } = {}): { runner: Runner; calls: Call[] } {
  const calls: Call[] = [];
  const built = new Map<string, string>();
  const runner: Runner = async (cmd, args, execOptions) => {
    calls.push({ cmd, args, options: execOptions });
    if (cmd !== 'go') throw new Error(`unexpected ${cmd}`);
    if (args[0] === 'version' && args.length === 1) return { stdout: 'go version go1.26.8 linux/amd64\n', stderr: '', exitCode: 0 };
    if (args[0] === 'build') {
      if (options.buildStderr) return { stdout: '', stderr: options.buildStderr, exitCode: 1 };
      const out = args[args.indexOf('-o') + 1]!;
      for (const pkg of args.slice(args.indexOf('-o') + 2)) {
        const file = join(out, goExecName(pkg));
        writeFileSync(file, `binary of ${pkg}`);
        built.set(basename(file), pkg);
      }
      return { stdout: '', stderr: '', exitCode: 0 };
    }
    if (args[0] === 'version' && args[1] === '-m') {
      const pkg = readFileSync(args[2]!, 'utf8').replace('binary of ', '');
      const family = familyOfPackage(pkg);
      const binary = family.binaries.find((b) => b.package === pkg)!;
      const version = options.wrongVersion ?? e2eBinaryModuleVersion(family, binary);
      return { stdout: `${args[2]}: go1.26.8\n\tpath\t${pkg}\n\tmod\tcarbon.local/e2e-${family.name}\t(devel)\t\n\tdep\t${binary.module}\t${version}\th1:x=\n`, stderr: '', exitCode: 0 };
    }
    throw new Error(`unexpected go ${args.join(' ')}`);
  };
  return { runner, calls };
}

const builds = (calls: Call[]) => calls.filter((c) => c.args[0] === 'build');

describe('ensureE2eComponents', () => {
  it('builds each family with one checksum-verified go build, small families first, then a second run builds nothing', async () => {
    const root = tempRoot();
    const { runner, calls } = goDouble();

    const first = await ensureE2eComponents(root, { runner, concurrency: 1 });

    expect(first.map((a) => [a.family, a.action])).toEqual(E2E_FAMILY_NAMES.map((f) => [f, 'built']));
    expect(builds(calls).map((c) => c.options?.cwd)).toEqual(E2E_FAMILY_NAMES.map((f) => e2eModuleDir(root, f)));
    const kube = builds(calls).at(-1)!;
    expect(kube.args.slice(0, 4)).toEqual(['build', '-mod=readonly', '-trimpath', `-ldflags=-s -w ${E2E_FAMILIES.kubernetes.ldflags}`]);
    expect(kube.args.slice(kube.args.indexOf('-o') + 2)).toEqual(E2E_FAMILIES.kubernetes.binaries.map((b) => b.package));
    expect(kube.options).toMatchObject({ niceness: 10, env: { GOMODCACHE: join(root, '.tools', 'gomod'), GONOSUMDB: undefined } });
    for (const family of E2E_FAMILY_NAMES) {
      for (const { name } of E2E_FAMILIES[family].binaries) expect(checkE2eBinary(root, name)).toBe(e2eBinaryPath(root, name));
    }
    expect(existsSync(join(root, '.tools', 'e2e-build', `etcd.${process.pid}`))).toBe(false);

    const again = goDouble();
    const second = await ensureE2eComponents(root, { runner: again.runner });

    expect(second.every((a) => a.action === 'present')).toBe(true);
    expect(again.calls).toEqual([]);
  });

  it('rebuilds only the family whose wrapper module changed', async () => {
    const root = tempRoot();
    await ensureE2eComponents(root, { runner: goDouble().runner });
    const goSum = join(e2eModuleDir(root, 'kwok'), 'go.sum');
    writeFileSync(goSum, `${readFileSync(goSum, 'utf8')}example.com/extra v1.0.0/go.mod h1:x=\n`);

    expect(() => checkE2eBinary(root, 'kwok')).toThrow(E2eComponentMissingError);
    const { runner, calls } = goDouble();
    const actions = await ensureE2eComponents(root, { runner });

    expect(actions.filter((a) => a.action === 'built').map((a) => a.family)).toEqual(['kwok']);
    expect(builds(calls)).toHaveLength(1);
  });

  it('names the remedy for a binary that is missing, without running anything', () => {
    const root = tempRoot();
    const checks = checkE2eComponents(root);

    expect(checks.map((c) => c.binary)).toContain('kube-apiserver');
    expect(checks.find((c) => c.binary === 'kube-apiserver')!.problem).toBe('kube-apiserver for the e2e is not installed in .tools/bin — run `npm run setup -- --e2e`');
  });

  it('fails on a binary that embeds another module version, and installs none of that family', async () => {
    const root = tempRoot();
    const error = await ensureE2eComponents(root, { runner: goDouble({ wrongVersion: 'v0.0.1' }).runner, concurrency: 1 }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(E2eBuildError);
    expect((error as Error).message).toContain('etcd embeds go.etcd.io/etcd/server/v3 v0.0.1, expected v3.6.16');
    expect(existsSync(e2eBinaryPath(root, 'etcd'))).toBe(false);
  });

  it('says which module the proxy refused and names PLATFORM_GOPROXY', async () => {
    const root = tempRoot();
    const stderr =
      'go: github.com/fluxcd/notification-controller@v1.9.3: reading https://proxy.golang.org/github.com/fluxcd/notification-controller/@v/v1.9.3.zip: 403 Forbidden\n\tserver response: This module version is not available.\n';
    const error = await ensureE2eComponents(root, { runner: goDouble({ buildStderr: stderr }).runner, concurrency: 1 }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(E2eBuildError);
    expect((error as Error).message).toContain('The Go module proxy refused github.com/fluxcd/notification-controller@v1.9.3');
    expect((error as Error).message).toContain('PLATFORM_GOPROXY=');
  });

  it('refuses to build from a wrapper go.mod that disagrees with versions.ts', async () => {
    const root = tempRoot();
    const goMod = join(e2eModuleDir(root, 'kwok'), 'go.mod');
    writeFileSync(goMod, readFileSync(goMod, 'utf8').replace('sigs.k8s.io/kwok v0.8.0', 'sigs.k8s.io/kwok v0.7.0'));
    const { runner, calls } = goDouble();

    const error = await ensureE2eComponents(root, { runner }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PinMismatchError);
    expect((error as Error).message).toContain('packages/toolchain/e2e/kwok does not pin what src/versions.ts says');
    expect((error as Error).message).toContain('sigs.k8s.io/kwok: versions.ts says v0.8.0, go.mod requires v0.7.0');
    expect(calls).toEqual([]);
  });
});

describe('buildInfoModuleVersion', () => {
  it('reads the dep (or main mod) line of go version -m', () => {
    const out = 'x: go1.26.8\n\tpath\tk8s.io/kubernetes/cmd/kube-apiserver\n\tmod\tcarbon.local/e2e-kubernetes\t(devel)\t\n\tdep\tk8s.io/kubernetes\tv1.37.2\th1:abc=\n\tdep\tk8s.io/api\tv0.37.2\n\t=>\tk8s.io/api\tv0.37.2\th1:def=\n';
    expect(buildInfoModuleVersion(out, 'k8s.io/kubernetes')).toBe('v1.37.2');
    expect(buildInfoModuleVersion(out, 'carbon.local/e2e-kubernetes')).toBe('(devel)');
    expect(buildInfoModuleVersion(out, 'k8s.io/other')).toBeUndefined();
  });
});
