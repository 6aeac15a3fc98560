import { afterEach } from 'vitest';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createGitHubAdapter, createOctokit } from '@carbon/github';
import { git, cleanupGitRepos, cloneRepo, commitFiles, createBareOrigin, listBranches, push, startApiDouble, type ApiDouble, type BareOrigin, type GitRepo } from '@carbon/github/testing';
import { exec, type Runner } from '@carbon/toolchain';
import { parse } from 'yaml';
import { createGit, type PromoteDeps } from '../src/index.ts';

/** A mini platform (trino + vault) in a bare origin, a clone as the workflow's checkout, and the GitHub API double. */

export const REPO = 'acme/platform';
export const UID = '0b9a2c1e-5f4d-4c3b-8a7e-1d2c3b4a5f6e';

const POLICY = `apiVersion: platform.254carbon.com/v1alpha1
kind: PromotionPolicy
defaults:
  soak: 30m
  freeze:
    - { days: [Sat, Sun], from: "00:00", to: "24:00", timeZone: Europe/Berlin, reason: weekend freeze }
services:
  vault: { approval: true, soak: 0m }
`;

export function service(name: string, replicas: number): Record<string, string> {
  return {
    [`apps/${name}/src/service.ts`]: `export const service = { name: '${name}' };\n`,
    [`apps/${name}/deploy/base/deployment.yaml`]: `kind: Deployment\nmetadata: { name: ${name} }\n`,
    [`apps/${name}/deploy/overlays/multi-node/kustomization.yaml`]: `resources: [../../base]\nreplicas: [{ name: ${name}, count: ${replicas} }]\n`,
    [`apps/${name}/deploy/overlays/single-node/kustomization.yaml`]: `resources: [../../base]\n`,
  };
}

export function pins(entries: Record<string, string>): string {
  return `apiVersion: platform.254carbon.com/v1alpha1\nkind: PromotionPins\npins:\n${Object.entries(entries).map(([s, c]) => `  ${s}:\n    commit: ${c}\n`).join('')}`;
}

export interface Fixture {
  origin: BareOrigin;
  /** The author's clone: makes commits on main and pushes them. */
  dev: GitRepo;
  /** The workflow's checkout the promoter runs in. */
  checkout: GitRepo;
  double: ApiDouble;
  /** Every process the promoter started. */
  calls: string[][];
  deps: (overrides?: Partial<PromoteDeps>) => PromoteDeps;
  /** Commits on main (dev clone) and pushes; returns the sha. */
  commitMain: (files: Record<string, string | null>, message: string) => Promise<string>;
  now: { value: Date };
}

export async function createFixture(): Promise<Fixture> {
  const origin = await createBareOrigin();
  const dev = await cloneRepo(origin);
  const base = await commitFiles(dev, { ...service('trino', 2), ...service('vault', 1), 'platform/promotion.yaml': POLICY, 'package.json': '{"private":true}\n' }, 'initial platform');
  await commitFiles(dev, { 'clusters/multi-node/pins.yaml': pins({ trino: base, vault: base }) }, 'pin everything');
  await push(dev, 'main');
  const checkout = await cloneRepo(origin);
  const double = await startApiDouble();
  double.seedRepo(REPO, { defaultBranch: 'main', branches: { main: base } });
  const calls: string[][] = [];
  const syncBranches = async () => {
    for (const [branch, sha] of Object.entries(await listBranches(origin))) double.setBranch(REPO, branch, sha);
  };
  await syncBranches();
  const runner: Runner = async (cmd, args, options) => {
    calls.push([cmd, ...args]);
    const result = await exec(cmd, args, { ...options, env: { ...options?.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' } });
    if (args.includes('push') && result.exitCode === 0) await syncBranches();
    return result;
  };
  const now = { value: new Date('2026-11-24T12:00:00Z') }; // a Tuesday
  const [owner, repo] = REPO.split('/') as [string, string];
  const api = createGitHubAdapter(createOctokit({ token: 'test-token', baseUrl: double.url, tuning: { retries: 0, baseDelayMs: 1, minWriteIntervalMs: 0, minNotificationIntervalMs: 0 } }), { owner, repo, fullName: REPO });
  // The double records a merge but has no git; merge for real in the origin too, as GitHub would.
  const github = {
    ...api,
    async mergePullRequest(number: number, options?: Parameters<typeof api.mergePullRequest>[1]) {
      const pr = await api.getPullRequest(number);
      const result = await api.mergePullRequest(number, options);
      await git(dev.path, ['pull', '--quiet', '--no-rebase', 'origin', 'main']);
      await git(dev.path, ['fetch', '--quiet', 'origin', pr.head.ref]);
      await git(dev.path, ['merge', '--quiet', '--no-ff', '-m', `Merge #${number}`, 'FETCH_HEAD']);
      await push(dev, 'main');
      await syncBranches();
      return result;
    },
  };
  return {
    origin,
    dev,
    checkout,
    double,
    calls,
    now,
    deps: (overrides = {}) => ({
      root: checkout.path,
      git: createGit(checkout.path, runner),
      github,
      now: () => now.value,
      regenerate: regenerateStub,
      ...overrides,
    }),
    async commitMain(files, message) {
      await git(dev.path, ['pull', '--quiet', '--no-rebase', 'origin', 'main']);
      const sha = await commitFiles(dev, files, message);
      await push(dev, 'main');
      await syncBranches();
      return sha;
    },
  };
}

/** Stands in for `platform generate`: one GitRepository-like file per pin, as the real generator writes. */
async function regenerateStub(dir: string): Promise<void> {
  const raw = parse(await readFile(join(dir, 'clusters/multi-node/pins.yaml'), 'utf8')) as { pins: Record<string, { commit: string }> };
  await mkdir(join(dir, 'clusters/multi-node/apps'), { recursive: true });
  for (const [name, pin] of Object.entries(raw.pins)) {
    await writeFile(join(dir, `clusters/multi-node/apps/${name}.yaml`), `kind: GitRepository\nmetadata: { name: ${name} }\nspec: { ref: { commit: ${pin.commit} } }\n`);
  }
}

export function fluxEvent(o: { name?: string; revision: string; severity?: string; reason?: string; message?: string; timestamp?: string; env?: string; namespace?: string }): Record<string, unknown> {
  const name = o.name ?? 'trino';
  const namespace = o.namespace ?? 'flux-system';
  return {
    event_type: `Kustomization/${name}.${namespace}`,
    client_payload: {
      involvedObject: { kind: 'Kustomization', namespace, name, uid: UID, apiVersion: 'kustomize.toolkit.fluxcd.io/v1', resourceVersion: '12345' },
      severity: o.severity ?? 'info',
      timestamp: o.timestamp ?? '2026-11-24T11:50:00Z',
      message: o.message ?? 'Applied revision: main@sha1:' + o.revision,
      reason: o.reason ?? 'ReconciliationSucceeded',
      metadata: { revision: `main@sha1:${o.revision}`, env: o.env ?? 'single-node', cluster: 'single-node' },
      reportingController: 'kustomize-controller',
      reportingInstance: 'kustomize-controller-7f9c8d6b5-x2x4z',
    },
  };
}

export { startBranchSyncProxy, type BranchSyncProxy } from '@carbon/github/testing';

/** One fixture per test: `setup()` creates it; after each test the double's violations are checked and everything is removed. */
export function useFixture(): () => Promise<Fixture> {
  let current: Fixture | undefined;
  afterEach(async () => {
    current?.double.assertNoViolations();
    await current?.double.close();
    current = undefined;
    await cleanupGitRepos();
  });
  return async () => (current = await createFixture());
}
