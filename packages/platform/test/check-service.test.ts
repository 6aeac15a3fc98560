import { describe, expect, it } from 'vitest';
import { checkService, parseBytes, parseCpu, type ClusterFacts, type ServiceDefinition, type Workload } from '../src/index.ts';

const cluster = (name: string, role: 'staging' | 'production', nodes: number): ClusterFacts => ({
  name,
  role,
  sourcing: role === 'staging' ? 'branch' : 'pinned',
  domain: 'example.com',
  registry: { host: 'harbor.example.com', projects: { 'docker.io': 'dockerhub' } },
  git: { url: 'ssh://git@github.com/x/y.git', branch: 'main', secretRef: 'flux-system' },
  nodes: Array.from({ length: nodes }, (_, i) => ({ name: `n${i}`, allocatable: { cpu: '4', memory: '16Gi', pods: 110 }, storage: '100Gi', labels: {} })),
  namespaces: [
    {
      name: 'data',
      quota: { requests: { cpu: '4', memory: '8Gi' }, limits: { cpu: '8', memory: '16Gi' }, pods: 20, storage: '0', persistentVolumeClaims: 0 },
      limitRange: { defaultRequest: { cpu: '50m', memory: '64Mi' }, default: { cpu: '500m', memory: '512Mi' }, max: { cpu: '2', memory: '4Gi' } },
    },
  ],
  file: `clusters/${name}/cluster.yaml`,
});
const clusters = [cluster('staging', 'staging', 1), cluster('production', 'production', 3)];

const workload = (over: Partial<Workload> = {}): Workload => ({
  name: 'web',
  kind: 'Deployment',
  image: { upstream: 'docker.io/library/nginx', tag: '1.27.2' },
  ports: [{ name: 'http', port: 8080 }],
  probes: { liveness: { http: '/', port: 'http' }, readiness: { http: '/', port: 'http' } },
  resources: { default: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '200m', memory: '256Mi' } } },
  replicas: { staging: 1, production: 2 },
  security: { runAsUser: 101 },
  ...over,
});

const errorsOf = (w: Partial<Workload>, extra: Partial<ServiceDefinition> = {}) =>
  checkService(
    {
      definition: { name: 'web', namespace: 'data', layer: 'apps', description: 'd', workloads: [workload(w)], monitoring: { none: 'fixture' }, ...extra },
      file: 'apps/web/src/service.ts',
      dir: 'web',
    },
    clusters,
  ).errors.map((e) => `${e.field}: ${e.message.split(': ').slice(2).join(': ')}`);

describe('checkService', () => {
  it('accepts a good definition', () => {
    expect(errorsOf({})).toEqual([]);
  });
  it('runs as root only with a reason, and a reason only for root', () => {
    expect(errorsOf({ security: { runAsUser: 0 } })).toEqual([expect.stringMatching(/^workloads\[0\]\.security\.runAsUser: workloads run as a non-root user/)]);
    expect(errorsOf({ security: { runAsUser: 0, rootReason: 'reads every pod volume' } })).toEqual([]);
    expect(errorsOf({ security: { runAsUser: 1000, rootReason: 'x' } })).toEqual([expect.stringMatching(/security\.rootReason: is only for workloads that run as uid 0/)]);
  });
  it('a singleton runs exactly one replica and never autoscales', () => {
    expect(errorsOf({ singleton: 'one coordinator', replicas: { default: 1 } })).toEqual([]);
    expect(errorsOf({ singleton: 'one coordinator', replicas: { default: 2 } })).toEqual([expect.stringMatching(/replicas\.default: a singleton runs exactly 1 replica/)]);
  });
  it('rejects latest tags, unknown registries and limits below requests', () => {
    expect(errorsOf({ image: { upstream: 'quay.io/x/y', tag: 'latest' } })).toEqual([
      expect.stringMatching(/image\.upstream: registry "quay\.io" has no Harbor mirror project in clusters\/staging\/cluster\.yaml/),
      expect.stringMatching(/image\.upstream: registry "quay\.io" has no Harbor mirror project in clusters\/production\/cluster\.yaml/),
      expect.stringMatching(/image\.tag: "latest" is not a pinned tag/),
    ]);
    expect(errorsOf({ resources: { default: { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '500m', memory: '1Gi' } } } })).toEqual(
      expect.arrayContaining([expect.stringMatching(/resources\.default\.limits\.cpu: limit is below the request/)]),
    );
  });
  it('a credential written as a literal env value is an error; a Vault reference is fine', () => {
    expect(errorsOf({ env: { DB_PASSWORD: 'ChangeMe123!' } })).toEqual([expect.stringMatching(/env\.DB_PASSWORD: looks like a credential written in git/)]);
    expect(errorsOf({ env: { DB_PASSWORD: { secret: 'db', key: 'password' } } }, { secrets: [{ name: 'db', data: { password: 'data/web#password' } }] })).toEqual([]);
    expect(errorsOf({}, { secrets: [{ name: 'db', data: { password: 'ChangeMe123!' } }] })).toEqual([expect.stringMatching(/secrets\[0\]\.data\.password: "ChangeMe123!" is not a Vault reference/)]);
  });
  it('storage needs a StatefulSet and a backup', () => {
    const errs = errorsOf({ storage: [{ name: 'data', mountPath: '/data', size: { default: '1Gi' } }] });
    expect(errs).toEqual(expect.arrayContaining([expect.stringMatching(/storage\[0\]: persistent storage needs a StatefulSet/), expect.stringMatching(/^backup: a service with persistent storage must declare a Velero backup schedule/)]));
  });
});

describe('quantities', () => {
  it('parses what Kubernetes accepts and rejects the rest', () => {
    expect(parseCpu('500m')).toBe(500);
    expect(parseCpu('2')).toBe(2000);
    expect(parseCpu('0.25')).toBe(250);
    expect(parseBytes('512Mi')).toBe(512 * 1024 ** 2);
    expect(parseBytes('1G')).toBe(1e9);
    expect(() => parseBytes('2 gigs')).toThrow(/"2 gigs" is not a memory quantity/);
    expect(() => parseCpu('two')).toThrow(/not a CPU quantity/);
  });
});
