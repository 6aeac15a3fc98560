import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadClusters, type LoadedService, type ServiceDefinition } from '@carbon/platform';
import { service as grafana } from '../../../apps/grafana/src/service.ts';
import { service as ingressNginx } from '../../../apps/ingress-nginx/src/service.ts';
import { service as loki } from '../../../apps/loki/src/service.ts';
import { service as metricsServer } from '../../../apps/metrics-server/src/service.ts';
import { service as prometheus } from '../../../apps/prometheus/src/service.ts';
import { service as prometheusOperator } from '../../../apps/prometheus-operator/src/service.ts';
import { service as velero } from '../../../apps/velero/src/service.ts';
import { imageMirrors, inventory, type PlatformSources } from '../src/index.ts';

// The real definitions of the namespaces these services own alone (monitoring, ingress-nginx, metrics-server, velero).
// Imported directly: loadPlatform's `?mtime=` import URLs are not transformed as TypeScript under vitest.
const root = join(import.meta.dirname, '../../..');
const loaded = (d: ServiceDefinition): LoadedService => ({ definition: d, file: `apps/${d.name}/src/service.ts`, dir: d.name });
const defs = [grafana, ingressNginx, loki, metricsServer, prometheus, prometheusOperator, velero];
// Every service pinned on multi-node, as in clusters/multi-node/pins.yaml (an unpinned one is not deployed there).
const pins = new Map([['multi-node', new Map(defs.map((d) => [d.name, { commit: 'a'.repeat(40) }]))]]);
const platform: PlatformSources = { root, clusters: await loadClusters(root), services: defs.map(loaded), pins };

describe('observability, edge and backup services', () => {
  it('lists images that are not workload containers: init containers and extraImages', () => {
    const upstreams = imageMirrors(platform).map((m) => m.upstream);
    expect(upstreams).toContain('docker.io/velero/velero-plugin-for-aws:v1.11.1');
    expect(upstreams).toContain('quay.io/prometheus-operator/prometheus-config-reloader:v0.78.2');
    expect(upstreams).toContain('quay.io/prometheus/prometheus:v2.55.1');
  });

  it('counts operator-run pods (Prometheus, Alertmanager) against their namespace', () => {
    const without = inventory({ ...platform, services: platform.services.map((s) => (s.definition === prometheus ? loaded({ ...prometheus, operatedPods: [] }) : s)) });
    const withPods = inventory(platform);
    const row = (inv: typeof withPods, cluster: string) => inv.find((c) => c.cluster === cluster)!.namespaces.find((n) => n.namespace === 'monitoring')!;
    // multi-node: 2 Prometheus + 2 Alertmanager pods
    expect(row(withPods, 'multi-node').pods - row(without, 'multi-node').pods).toBe(4);
    expect(row(withPods, 'single-node').cpuRequests).toBeGreaterThan(row(without, 'single-node').cpuRequests);
  });

  it('fits the request quotas of their namespaces on both clusters', () => {
    for (const c of inventory(platform)) {
      for (const n of c.namespaces.filter((x) => x.services.length)) {
        expect(n.cpuRequests, `${c.cluster}/${n.namespace} cpu`).toBeLessThanOrEqual(n.quotaCpu);
        expect(n.memoryRequests, `${c.cluster}/${n.namespace} memory`).toBeLessThanOrEqual(n.quotaMemory);
      }
    }
  });
});
