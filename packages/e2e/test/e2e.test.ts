import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { E2eResult } from '../src/run.ts';

const ENTRY = fileURLToPath(new URL('../bin/e2e.mjs', import.meta.url));
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

function runE2eCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, [ENTRY, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d: Buffer) => (stdout += d));
    c.stderr.on('data', (d: Buffer) => {
      stderr += d;
      process.stderr.write(d);
    });
    c.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

const stateDirs = () => readdirSync(tmpdir()).filter((f) => f.startsWith('carbon-e2e-'));

// Both clusters in one run, as `npm run e2e` does: their control planes start and reconcile in
// parallel inside one network namespace, each judged on its own; then the promotion loop runs
// between them (one run for both, to keep npm test's time down). Not skipped when the components
// are missing: the e2e then exits 2 naming what to build, and this fails.
describe('e2e: both clusters reconciled by the real control plane and Flux controllers; one service promoted by a real Flux event', () => {
  it('every Kustomization Ready, every pod scheduled on KWOK nodes and Ready, every placement fact the capacity model claims holds', async () => {
    const before = new Set(stateDirs());
    const r = await runE2eCli(['--json']);
    const result = JSON.parse(r.stdout) as E2eResult;
    expect(result.problems).toEqual([]);
    expect(r.code).toBe(0);
    expect(result.clusters.map((c) => c.cluster).sort()).toEqual(['multi-node', 'single-node']);
    for (const c of result.clusters) {
      expect(c.kustomizations).toBeGreaterThan(20);
      expect(c.objectsApplied).toBeGreaterThan(300);
      expect(c.pods.running).toBeGreaterThan(30);
      expect(c.placement.differences).toEqual([]);
      expect(c.placement.placed.scheduler).toBe(c.placement.placed.model);
      // The unservable webhooks / APIService were dropped visibly, each named.
      expect(c.drops.map((d) => d.kind)).toEqual(expect.arrayContaining(['ValidatingWebhookConfiguration', 'APIService']));
      for (const kind of ['NetworkPolicy', 'ServiceMonitor', 'Certificate', 'ExternalSecret', 'HorizontalPodAutoscaler', 'PodDisruptionBudget']) expect(c.accepted[kind] ?? 0).toBeGreaterThan(0);
    }
    // multi-node: three nodes all used, and the spread/anti-affinity rules were there to be checked.
    const multi = result.clusters.find((c) => c.cluster === 'multi-node')!;
    expect(Object.keys(multi.placement.actual).sort()).toEqual(['carbon-a', 'carbon-b', 'carbon-c']);
    expect(multi.placement.rules).toBeGreaterThan(10);
    expect(r.stderr).toContain('drop ValidatingWebhookConfiguration cert-manager-webhook');
    expect(r.stderr).toContain('connects to 10.96.0.1');

    // The promotion loop: notification-controller's real dispatch -> promote action -> merged pin -> multi-node.
    const p = result.promotion!;
    expect(p).toBeDefined();
    // A githubdispatch Provider never gets ReconciliationSucceeded (notification-controller keeps that
    // commit-status event for git providers); the healthy report is "Health check passed in …".
    expect(p.dispatch).toMatchObject({ eventType: `Kustomization/${p.service}.flux-system`, severity: 'info', revision: `main@sha1:${p.revision}` });
    expect(p.dispatch.message).toMatch(/^Health check passed in /);
    // notification-controller strips kustomize-controller's group prefix: `revision`, next to the Alert's eventMetadata.
    expect(p.dispatch.metadataKeys).toEqual(['cluster', 'env', 'revision']);
    expect(p.action).toMatchObject({ exitCode: 0, outcome: 'merged' });
    expect(p.mergeCommit).toMatch(/^[0-9a-f]{40}$/);
    // multi-node's Kustomization reports the promoted commit: `sha1:<sha>`, no branch (its GitRepository pins ref.commit).
    expect(p.multiNode.after).toBe(`sha1:${p.revision}`);
    expect(p.multiNode.before.endsWith(p.revision)).toBe(false);
    expect(p.policyOverride.join()).toContain('-> 0m');
    // The failure case: the real error event blocked the pending PR; nothing was promoted.
    const b = p.blocked!;
    expect(b.opened.outcome).toBe('opened');
    expect(b.failure).toMatchObject({ severity: 'error', revision: `main@sha1:${b.revision}` });
    expect(b.failure.message).toContain('deliberately broken');
    expect(b.blocked).toMatchObject({ exitCode: 0, outcome: 'blocked', prState: 'open' });
    expect(b.blocked.labels).toContain('promotion-blocked');
    expect(b.blocked.comment).toContain('Promotion blocked');
    expect(b.pinUnchanged).toBe(true);
    // The Provider's token Secret is named, its value never printed.
    expect(r.stderr).toContain('e2e-github-dispatch-token (a Secret the e2e creates; its token is not printed)');
    // Nothing left behind: the run's state folder is gone.
    expect(stateDirs().filter((d) => !before.has(d))).toEqual([]);
  }, 40 * 60_000);
});
