import { beforeAll, describe, expect, it } from 'vitest';
import { e2eBinaryPaths, ensureE2eComponents } from '../src/e2e.ts';
import { exec } from '../src/exec.ts';
import { findRepoRoot } from '../src/repo.ts';
import type { E2eBinaryName } from '../src/versions.ts';

// The real e2e binaries in this checkout's .tools/bin (npm test's pretest builds them; cold: minutes).
const root = findRepoRoot(import.meta.dirname);
let paths: Record<E2eBinaryName, string>;

beforeAll(async () => {
  await ensureE2eComponents(root);
  paths = e2eBinaryPaths(root);
}, 90 * 60_000);

describe('installed e2e binaries', () => {
  it.each([
    ['etcd', ['--version'], /etcd Version: 3\.6\.16\b/],
    ['kwok', ['--version'], /kwok version v0\.8\.0\b/],
    ['kube-apiserver', ['--version'], /^Kubernetes v1\.37\.2$/m],
    ['kube-controller-manager', ['--version'], /^Kubernetes v1\.37\.2$/m],
    ['kube-scheduler', ['--version'], /^Kubernetes v1\.37\.2$/m],
  ] as const)('%s reports its pinned release', async (name, args, expected) => {
    const result = await exec(paths[name], args, { timeoutMs: 60_000 });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(`${result.stdout}${result.stderr}`).toMatch(expected);
  });

  it.each(['source-controller', 'kustomize-controller', 'notification-controller'] as const)('%s starts and knows its flags', async (name) => {
    // The controllers print no version; their flag set proves the binary runs (Go build info is checked at install).
    const result = await exec(paths[name], ['--help'], { timeoutMs: 60_000 });
    expect(`${result.stdout}${result.stderr}`).toContain('--metrics-addr');
  });
});
