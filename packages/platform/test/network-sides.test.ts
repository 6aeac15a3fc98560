import { describe, expect, it } from 'vitest';
import { locateNetworkRule, oneSidedNetworkRules, type ServiceDefinition, type Workload } from '../src/index.ts';

const workload = (name: string, ports: Workload['ports']): Workload => ({
  name,
  kind: 'Deployment',
  image: { upstream: 'docker.io/library/nginx', tag: '1.27.2' },
  ports,
  probes: { liveness: { tcp: ports[0]!.name }, readiness: { tcp: ports[0]!.name } },
  resources: { default: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '200m', memory: '256Mi' } } },
  security: { runAsUser: 101 },
});

const svc = (name: string, namespace: string, over: Partial<ServiceDefinition> = {}) => ({
  definition: { name, namespace, layer: 'apps', description: 'd', workloads: [workload(name, [{ name: 'http', port: 8080 }])], monitoring: { none: 'fixture' }, ...over } as ServiceDefinition,
  file: `apps/${name}/src/service.ts`,
});

describe('both sides of a network rule', () => {
  it('an egress with no matching ingress on the peer (the new service Superset cannot reach) is reported at its rule', () => {
    const found = oneSidedNetworkRules([svc('superset', 'data', { network: { egress: [{ peer: { service: 'cache' }, ports: [6379] }] } }), svc('cache', 'data', { workloads: [workload('cache', [{ name: 'redis', port: 6379 }])] })]);
    expect(found).toEqual([
      {
        file: 'apps/superset/src/service.ts',
        field: 'network.egress[0]',
        message: expect.stringMatching(/^superset allows egress to cache on 6379, but cache has no ingress from superset there: its default-deny drops the traffic \(add \{ peer: \{ service: 'superset' \}, ports: \[6379\] \} to cache's network.ingress in apps\/cache\/src\/service.ts/),
        peer: { service: 'cache', file: 'apps/cache/src/service.ts', field: 'network.ingress', add: "{ peer: { service: 'superset' }, ports: [6379] }" },
      },
    ]);
  });

  it('an ingress with no egress on the peer is reported too', () => {
    const found = oneSidedNetworkRules([svc('minio', 'data', { network: { ingress: [{ peer: { service: 'loki' }, ports: ['http'] }] } }), svc('loki', 'monitoring')]);
    expect(found.map((f) => [f.file, f.field])).toEqual([['apps/minio/src/service.ts', 'network.ingress[0]']]);
    expect(found[0]!.message).toMatch(/^minio allows ingress from loki on http, but loki has no egress to minio there/);
    // The rule to add names the receiver's port by number (minio's http is 8080).
    expect(found[0]!.peer).toEqual({ service: 'loki', file: 'apps/loki/src/service.ts', field: 'network.egress', add: "{ peer: { service: 'minio' }, ports: [8080] }" });
  });

  it('both sides declared (a port by number on one side and by name on the other, or a namespace peer) is quiet', () => {
    const cache = svc('cache', 'data', { workloads: [workload('cache', [{ name: 'redis', port: 6379 }])], network: { ingress: [{ peer: { service: 'superset' }, ports: ['redis'] }, { peer: { namespace: 'jobs' }, ports: [6379] }] } });
    const superset = svc('superset', 'data', { network: { egress: [{ peer: { service: 'cache' }, ports: [6379] }] } });
    const job = svc('job', 'jobs', { network: { egress: [{ peer: { service: 'cache' }, ports: ['redis'] }] } });
    expect(oneSidedNetworkRules([cache, superset, job])).toEqual([]);
    // A port the other side does not open is still reported, by itself.
    const wider = svc('superset', 'data', { network: { egress: [{ peer: { service: 'cache' }, ports: [6379, 6380] }] } });
    expect(oneSidedNetworkRules([cache, wider]).map((f) => f.message)).toEqual([expect.stringMatching(/on 6380, but/)]);
  });

  it('what the generator opens by itself counts: ingress-nginx to public ports, the monitoring namespace to the metrics port', () => {
    const web = svc('web', 'data', {
      workloads: [workload('web', [{ name: 'http', port: 8080 }, { name: 'metrics', port: 9100 }])],
      public: [{ host: 'web', workload: 'web', port: 'http', catalog: { name: 'w', category: 'Data', description: 'd', icon: 'i' } }],
      monitoring: { workload: 'web', port: 'metrics' },
    });
    const nginx = svc('ingress-nginx', 'ingress-nginx', { network: { egress: [{ peer: { service: 'web' }, ports: [8080] }] } });
    const scraper = svc('vmagent', 'monitoring', { network: { egress: [{ peer: { service: 'web' }, ports: ['metrics'] }] } });
    expect(oneSidedNetworkRules([web, nginx, scraper])).toEqual([]);
  });

  it('a peer without workloads of its own (operator-run pods) or named by namespace or CIDR only has no other side to compare', () => {
    const prometheus = svc('prometheus', 'monitoring', { workloads: [] });
    const grafana = svc('grafana', 'monitoring', { network: { egress: [{ peer: { service: 'prometheus' }, ports: [9090] }, { peer: { namespace: 'data' }, ports: [1] }, { peer: { cidr: '10.0.0.0/8' }, ports: [2] }, { peer: 'internet', ports: [443] }] } });
    expect(oneSidedNetworkRules([prometheus, grafana])).toEqual([]);
  });
});

describe('where a network rule is written', () => {
  const source = `export const service = defineService({
  name: 'web', // network: { not this one }
  network: {
    ingress: [{ peer: { service: 'a' }, ports: ['http'] }],
    egress: [
      { peer: { service: 'b', workload: 'x' }, ports: [5432] }, // '{' in a comment
      { peer: { namespace: 'c' }, ports: ["a,b"] },
      {
        peer: 'internet', ports: [443] },
    ],
  },
});
`;
  it('finds the index-th element of the list (strings and comments skipped)', () => {
    expect(locateNetworkRule(source, 'ingress', 0)).toEqual({ line: 4, column: 15 });
    expect(locateNetworkRule(source, 'egress', 0)).toEqual({ line: 6, column: 7 });
    expect(locateNetworkRule(source, 'egress', 1)).toEqual({ line: 7, column: 7 });
    expect(locateNetworkRule(source, 'egress', 2)).toEqual({ line: 8, column: 7 });
  });
  it('falls back to the list, then to network, when the rule is not written literally', () => {
    expect(locateNetworkRule(source, 'egress', 3)?.line).toBe(5);
    expect(locateNetworkRule("network: {\n  egress: [\n    ...postgresClient,\n    { peer: 'internet', ports: [443] }],\n}", 'egress', 1)?.line).toBe(2);
    expect(locateNetworkRule("network: {\n  egress: [\n    egress.postgresql('gms'),\n    egress.internet([443], 'a', 'b'),\n  ],\n}", 'egress', 1)).toEqual({ line: 4, column: 5 });
    expect(locateNetworkRule('network: {\n  egress: postgres(),\n}', 'egress', 0)?.line).toBe(1);
    expect(locateNetworkRule('no rules here', 'egress', 0)).toBeUndefined();
  });
});

describe('this repository', () => {
  it('each rule of every definition is located at its own element (a literal rule or a preset call)', async () => {
    const { readFileSync } = await import('node:fs');
    const { resolve } = await import('node:path');
    const { loadServices } = await import('../../generate/src/load.ts');
    const root = resolve(import.meta.dirname, '../../..');
    let located = 0;
    for (const s of await loadServices(root)) {
      const source = readFileSync(resolve(root, s.file), 'utf8');
      const lines = source.split('\n');
      for (const dir of ['ingress', 'egress'] as const) {
        (s.definition.network?.[dir] ?? []).forEach((_, i) => {
          const at = locateNetworkRule(source, dir, i);
          expect(at, `${s.file} network.${dir}[${i}]`).toBeDefined();
          const text = lines[at!.line - 1]!.slice(at!.column - 1);
          expect(text, `${s.file} network.${dir}[${i}]`).toMatch(/^(\{|[a-zA-Z_$][\w$.]*\()/);
          located++;
        });
      }
    }
    expect(located).toBeGreaterThan(30);
  });
});
