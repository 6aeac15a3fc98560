import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT_TIMED_OUT, type Runner } from '../src/exec.ts';
import { GoBuildTimeoutError, goInstall } from '../src/gomod.ts';
import { checkTool, ensureTools, installedTool, parseBuildInfoVersion, parseVersion, ToolMissingError, toolPath } from '../src/tools.ts';
import { TOOL_PINS } from '../src/versions.ts';

const tempRoot = () => mkdtempSync(join(tmpdir(), 'toolchain-root-'));

function fakeInstall(root: string, versions: Record<string, string>, script = '#!/bin/sh\necho v0.8.0\n'): void {
  mkdirSync(join(root, '.tools', 'bin'), { recursive: true });
  writeFileSync(toolPath(root, 'kubeconform'), script);
  chmodSync(toolPath(root, 'kubeconform'), 0o755);
  writeFileSync(join(root, '.tools', 'bin', 'versions.json'), JSON.stringify(versions));
}

describe('checkTool', () => {
  it('throws ToolMissingError with the remedy when the binary is absent', async () => {
    const error = await checkTool(tempRoot(), 'kubeconform').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ToolMissingError);
    expect((error as ToolMissingError).message).toBe(`kubeconform ${TOOL_PINS.kubeconform.version} is not installed in .tools/bin — run \`npm run setup\``);
  });

  it('throws when versions.json records another version', async () => {
    const root = tempRoot();
    fakeInstall(root, { kubeconform: 'v0.6.4' });

    await expect(checkTool(root, 'kubeconform')).rejects.toThrow(`kubeconform in .tools/bin is at v0.6.4, not ${TOOL_PINS.kubeconform.version} — run \`npm run setup\``);
  });

  it('trusts versions.json on the fast path and runs the binary when asked to probe', async () => {
    const root = tempRoot();
    fakeInstall(root, { kubeconform: TOOL_PINS.kubeconform.version }, '#!/bin/sh\necho v0.1.0\n');

    await expect(checkTool(root, 'kubeconform')).resolves.toBe(toolPath(root, 'kubeconform'));
    await expect(checkTool(root, 'kubeconform', { probe: true })).rejects.toThrow('is at v0.1.0');
  });

  it('installedTool (what tests call instead of skipping): the path when pinned, else the same ToolMissingError, synchronously', () => {
    const root = tempRoot();
    expect(() => installedTool(root, 'kubeconform')).toThrow(ToolMissingError);
    fakeInstall(root, { kubeconform: 'v0.6.4' });
    expect(() => installedTool(root, 'kubeconform')).toThrow('run `npm run setup`');
    fakeInstall(root, { kubeconform: TOOL_PINS.kubeconform.version });
    expect(installedTool(root, 'kubeconform')).toBe(toolPath(root, 'kubeconform'));
  });
});

describe('version parsing', () => {
  it('reads each tool’s own version output', () => {
    expect(parseVersion('v5.7.1\n')).toBe('v5.7.1');
    expect(parseVersion('dyff version 1.12.0\n')).toBe('v1.12.0');
    expect(parseVersion('v1.7.12\ninstalled by building from source\nbuilt with go1.26.8 compiler')).toBe('v1.7.12');
    expect(parseVersion('development')).toBeUndefined();
  });

  it('falls back to the module version Go embedded in the binary', () => {
    const out = 'bin/kubeconform: go1.26.8\n\tpath\tgithub.com/yannh/kubeconform/cmd/kubeconform\n\tmod\tgithub.com/yannh/kubeconform\tv0.8.0\th1:abc=\n\tdep\tx\tv1\n';
    expect(parseBuildInfoVersion(out)).toBe('v0.8.0');
  });
});

describe('ensureTools', () => {
  it('installs only what is missing, with go install <pkg>@<version> into the repo bin', async () => {
    const root = tempRoot();
    const calls: string[][] = [];
    const runner: Runner = async (cmd, args, options) => {
      calls.push([cmd, ...args]);
      if (cmd === 'go' && args[0] === 'install') {
        const name = (Object.values(TOOL_PINS).find((pin) => args.at(-1)!.startsWith(`${pin.package}@`)))!.name;
        writeFileSync(toolPath(root, name), '');
        expect(options?.env?.GOBIN).toBe(join(root, '.tools', 'bin'));
      }
      if (cmd.endsWith('/kustomize')) return { stdout: `${TOOL_PINS.kustomize.version}\n`, stderr: '', exitCode: 0 };
      return { stdout: 'go version go1.26.8 linux/amd64', stderr: '', exitCode: 0 };
    };
    fakeInstall(root, { kubeconform: TOOL_PINS.kubeconform.version, actionlint: TOOL_PINS.actionlint.version, dyff: TOOL_PINS.dyff.version, promtool: TOOL_PINS.promtool.version, helm: TOOL_PINS.helm.version });
    for (const name of ['actionlint', 'dyff', 'promtool', 'helm'] as const) writeFileSync(toolPath(root, name), '');

    const actions = await ensureTools(root, { runner });

    expect(actions.filter((a) => a.action === 'installed').map((a) => a.tool)).toEqual(['kustomize']);
    expect(calls.filter(([cmd, sub]) => cmd === 'go' && sub === 'install')).toEqual([['go', 'install', '-trimpath', `sigs.k8s.io/kustomize/kustomize/v5@${TOOL_PINS.kustomize.version}`]]);
    await expect(checkTool(root, 'kustomize')).resolves.toBe(toolPath(root, 'kustomize'));
  });
});

describe('goInstall', () => {
  it('says a timed-out build timed out (not that the fetch failed) and exits through GoBuildTimeoutError', async () => {
    const root = tempRoot();
    const runner: Runner = async () => ({ stdout: '', stderr: 'go: timed out after 4800000ms', exitCode: EXIT_TIMED_OUT });
    const error = await goInstall(root, 'example.com/cmd/x', 'v1.0.0', undefined, runner).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GoBuildTimeoutError);
    expect((error as Error).message).toMatch(/example\.com\/cmd\/x@v1\.0\.0 did not finish within 80 min/);
    expect((error as Error).message).not.toMatch(/could not fetch/);
  });
});
