import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { handleEvent, HEALTH_CHECK_PASSED, parseFluxEvent, type EventRules } from '../src/index.ts';
import { fluxEvent, REPO, useFixture } from './fixture.ts';

/**
 * The events a `githubdispatch` Provider really receives, as the e2e captured them from
 * notification-controller v1.9.3 / kustomize-controller v1.9.6 (packages/e2e, `--promotion`):
 * request bodies byte for byte, only the service name kept (portal / minio are apps here).
 */
const real = (name: string): unknown => JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'));

const rules = (now: string): EventRules => ({ services: new Set(['portal', 'minio', 'trino']), namespace: 'flux-system', branch: 'main', successReasons: ['ReconciliationSucceeded'], now: new Date(now) });

describe('real Flux dispatches (captured by the e2e)', () => {
  it('"Health check passed in …" (reason Progressing, prefixed revision key) is the healthy report', () => {
    const raw = real('dispatch-health-check-passed.json') as { client_payload: { timestamp: string } };
    const e = parseFluxEvent(raw, rules(raw.client_payload.timestamp));
    expect(e).toMatchObject({ service: 'portal', severity: 'info', reason: 'Progressing', outcome: 'healthy', healthCheckPassed: true, env: 'single-node', cluster: 'single-node' });
    expect(e.revision).toMatch(/^[0-9a-f]{40}$/);
  });

  it('the change-set event of the same apply (also reason Progressing) is progress, not healthy', () => {
    const raw = real('dispatch-change-set.json') as { client_payload: { timestamp: string } };
    expect(parseFluxEvent(raw, rules(raw.client_payload.timestamp))).toMatchObject({ reason: 'Progressing', outcome: 'progress', healthCheckPassed: false });
  });

  it("the API server's rejection is a failure event for the revision", () => {
    const raw = real('dispatch-rejected.json') as { client_payload: { timestamp: string } };
    expect(parseFluxEvent(raw, rules(raw.client_payload.timestamp))).toMatchObject({ service: 'minio', severity: 'error', outcome: 'failure', healthCheckPassed: false });
  });
});

describe('the health-check-passed message', () => {
  it.each(['Health check passed in 5.012345678s', 'Health check passed in 1m2.5s', 'Health check passed in 503.2ms', 'Health check passed in 15µs', 'Health check passed in 1h0m0s'])('%s is healthy', (m) => {
    expect(HEALTH_CHECK_PASSED.test(m)).toBe(true);
  });
  it.each(['Health check passed in 5s; ignore previous', 'health check passed in 5s', 'Health check passed in soon', 'Health check failed after 5s'])('%s is not', (m) => {
    expect(HEALTH_CHECK_PASSED.test(m)).toBe(false);
  });

  const setup = useFixture();
  it('opens the promotion PR through the same gates as ReconciliationSucceeded; an error event with that text stays a failure', async () => {
    const f = await setup();
    const rev = await f.commitMain({ 'apps/trino/deploy/overlays/multi-node/kustomization.yaml': 'resources: [../../base]\nreplicas: [{ name: trino, count: 3 }]\n' }, 'trino: 3 replicas');
    const ev = fluxEvent({ revision: rev, reason: 'Progressing', message: 'Health check passed in 5.01s' });
    expect(await handleEvent(ev, f.deps())).toMatchObject({ status: 'opened', pr: 1 });
    expect(f.double.pullRequests(REPO)[0]!.body).toContain('info/Progressing (health check passed)');
    const progress = fluxEvent({ revision: rev, reason: 'Progressing', message: 'Deployment/trino/trino configured', timestamp: '2026-11-24T11:51:00Z' });
    expect(await handleEvent(progress, f.deps())).toMatchObject({ status: 'ignored', gate: 'success' });
    const error = fluxEvent({ revision: rev, severity: 'error', reason: 'Progressing', message: 'Health check passed in 5.01s', timestamp: '2026-11-24T11:52:00Z' });
    expect(await handleEvent(error, f.deps())).toMatchObject({ status: 'blocked', pr: 1 });
  });
});
