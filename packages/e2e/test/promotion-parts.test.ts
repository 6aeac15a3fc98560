import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadPolicy, POLICY_FILE } from '@carbon/promote';
import { bootstrapPatches } from '../src/bootstrap.ts';
import { e2eMain } from '../src/main.ts';
import { DISPATCH_SECRET, policyOverride, providerPatches, webhookEventText } from '../src/promotion.ts';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

const provider = { apiVersion: 'notification.toolkit.fluxcd.io/v1beta3', kind: 'Provider', metadata: { name: 'github-dispatch', namespace: 'flux-system' }, spec: { type: 'githubdispatch', address: 'https://github.com/254carbon/platform', secretRef: { name: 'github-dispatch-token' } } };
const ro = (object: unknown) => ({ object }) as never;

describe('promotion loop parts', () => {
  it("patches only the githubdispatch Provider's address and secretRef, on the Kustomization that applies it, carried up from flux-system", () => {
    const ks = [
      { name: 'flux-system', objects: [ro({ apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization', metadata: { name: 'notifications' } })] },
      { name: 'notifications', objects: [ro(provider), ro({ ...provider, metadata: { name: 'slack' }, spec: { type: 'slack' } })] },
    ];
    const patches = providerPatches(ks, 'http://127.0.0.1:4242/254carbon/platform');
    expect(patches).toHaveLength(1);
    expect(patches[0]).toMatchObject({ kustomization: 'notifications', name: 'github-dispatch' });
    expect(JSON.parse(patches[0]!.patch.patch)).toEqual([
      { op: 'replace', path: '/spec/address', value: 'http://127.0.0.1:4242/254carbon/platform' },
      { op: 'replace', path: '/spec/secretRef', value: { name: DISPATCH_SECRET } },
    ]);
    const root = bootstrapPatches('http://git', [], ks, 'flux-system', patches);
    expect(root).toHaveLength(1);
    expect(root[0]!.target).toEqual({ group: 'kustomize.toolkit.fluxcd.io', kind: 'Kustomization', name: 'notifications' });
    expect(JSON.parse(root[0]!.patch)[0].value).toEqual([patches[0]!.patch]);
  });

  it("wraps the dispatch body into GitHub's webhook event with client_payload as the sender's own bytes", () => {
    const payload = '{"involvedObject":{"kind":"Kustomization","name":"portal"},"message":"a \\u003c b","metadata":{"z":"1","a":"2"}}';
    const text = webhookEventText(`{"event_type":"Kustomization/portal.flux-system","client_payload":${payload}}`);
    expect(text).toContain(`"client_payload":${payload},`);
    expect(JSON.parse(text)).toMatchObject({ action: 'Kustomization/portal.flux-system', branch: 'main', repository: { full_name: '254carbon/platform' } });
    expect(() => webhookEventText('{"client_payload":{},"event_type":"x"}')).toThrow(/unmodified/);
  });

  it('the policy override sets soak 0m and no freeze in a checkout, and says so', () => {
    const dir = mkdtempSync(join(tmpdir(), 'carbon-e2e-policy-'));
    try {
      cpSync(join(ROOT, 'platform'), join(dir, 'platform'), { recursive: true });
      const lines = policyOverride(dir);
      expect(lines.join()).toMatch(/defaults\.soak 30m -> 0m; defaults\.freeze 2 window\(s\) -> none/);
      const p = loadPolicy(dir);
      expect(p.defaults).toMatchObject({ soakMinutes: 0, freeze: [] });
      // Per-service settings (approval on stateful services) are the committed ones.
      expect(p.services.get('minio')).toMatchObject({ approval: true });
      expect(readFileSync(join(ROOT, POLICY_FILE), 'utf8')).toContain('soak: 30m');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    [['--promotion', '--cluster', 'single-node'], /needs both clusters/],
    [['--promotion', '--skip-promotion'], /exclude each other/],
  ])('refuses %j with exit 2', async (argv, message) => {
    let err = '';
    expect(await e2eMain(argv, () => undefined, (s) => (err += s))).toBe(2);
    expect(err).toMatch(message);
  });
});
