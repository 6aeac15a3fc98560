import { resolve } from 'node:path';
import { it, expect } from 'vitest';
import { loadPlatform } from '../src/index.ts';
it('every service of the seeds has a package and loads', async () => {
  const p = await loadPlatform(resolve(import.meta.dirname, '../../..'));
  expect(p.services.length).toBeGreaterThan(20);
});

it('the committed output of the real repo is what the definitions produce (generate --check)', async () => {
  const { generate } = await import('../src/index.ts');
  const r = await generate(resolve(import.meta.dirname, '../../..'), { check: true });
  expect([...r.changed, ...r.removed]).toEqual([]);
  // Every service has both overlays.
  const services = r.platform.services.map((s) => s.definition.name);
  for (const s of services) {
    for (const c of ['single-node', 'multi-node']) expect(r.rendered.files.has(`apps/${s}/deploy/overlays/${c}/kustomization.yaml`)).toBe(true);
  }
});
