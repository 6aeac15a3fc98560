import { resolve } from 'node:path';
import { expect, it } from 'vitest';
import { egress, sharedPostgres, type NetworkAllow } from '@carbon/platform';
import { loadPlatform } from '../src/index.ts';

// The egress presets in @carbon/platform name a peer service and its port; the peers are defined in
// apps/. A port moved there must fail here, not silently open the wrong port.
it("each egress preset's port is a port its peer service serves in the real repo", async () => {
  const p = await loadPlatform(resolve(import.meta.dirname, '../../..'));
  const byName = new Map(p.services.map((s) => [s.definition.name, s.definition]));
  const presets: NetworkAllow[] = [egress.postgresql(), egress.minio(), egress.vault()];
  for (const rule of presets) {
    const peer = rule.peer as { service: string };
    const def = byName.get(peer.service);
    expect(def, `service ${peer.service}`).toBeDefined();
    const served = def!.workloads.flatMap((w) => w.ports.map((port) => port.port));
    for (const port of rule.ports) expect(served, `${peer.service} serves ${port}`).toContain(port);
  }
  const pg = byName.get('postgresql')!;
  expect(pg.namespace).toBe(sharedPostgres.host.split('.')[1]);
  expect(pg.workloads.find((w) => w.name === 'postgresql')!.ports.map((x) => x.port)).toContain(sharedPostgres.port);
});
