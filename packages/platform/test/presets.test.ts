import { describe, expect, it } from 'vitest';
import {
  byCluster,
  egress,
  everywhere,
  execProbes,
  forCluster,
  httpGet,
  httpProbes,
  jvmOptions,
  nonRootUser,
  resources,
  sharedPostgres,
  tcpProbes,
  tcpSocket,
  type ServiceDefinition,
} from '../src/index.ts';

describe('per-cluster presets', () => {
  it('byCluster gives staging and production their own value, or one value to both', () => {
    expect(byCluster(1, 2)).toEqual({ 'single-node': 1, 'multi-node': 2 });
    expect(byCluster('10Gi')).toEqual({ 'single-node': '10Gi', 'multi-node': '10Gi' });
    expect(forCluster(byCluster(1, 3), 'multi-node')).toBe(3);
    // A fresh map each call: one definition mutating its value cannot change another's.
    expect(byCluster(1, 2)).not.toBe(byCluster(1, 2));
  });

  it('everywhere is the default entry, which every cluster (also a new one) falls back to', () => {
    expect(everywhere(1)).toEqual({ default: 1 });
    expect(forCluster(everywhere(1), 'a-third-cluster')).toBe(1);
  });
});

describe('resources', () => {
  it("reads 'cpu/memory' for requests and limits", () => {
    expect(resources('250m/1Gi', '1/1536Mi')).toEqual({ requests: { cpu: '250m', memory: '1Gi' }, limits: { cpu: '1', memory: '1536Mi' } });
  });

  it('refuses a value that is not cpu/memory, naming which one', () => {
    expect(() => resources('250m/1Gi/x' as never, '1/1Gi')).toThrow(/requests '250m\/1Gi\/x' is not 'cpu\/memory'/);
    expect(() => resources('250m/1Gi', '/1Gi')).toThrow(/limits '\/1Gi'/);
  });
});

describe('nonRootUser', () => {
  it('is the uid with gid = uid and nothing else by default (read-only root, no fsGroup)', () => {
    expect(nonRootUser(65534)).toEqual({ runAsUser: 65534, runAsGroup: 65534 });
  });

  it('adds fsGroup for volume owners, another gid, and a reasoned writable root', () => {
    expect(nonRootUser(100, { gid: 1000, ownsVolumes: true })).toEqual({ runAsUser: 100, runAsGroup: 1000, fsGroup: 1000 });
    expect(nonRootUser(999, { ownsVolumes: true, writableRoot: 'entrypoint writes its socket' })).toEqual({
      runAsUser: 999,
      runAsGroup: 999,
      fsGroup: 999,
      readOnlyRootFilesystem: false,
      writableRootReason: 'entrypoint writes its socket',
    });
  });

  it('refuses root and non-integers: running as root stays written out with its reason', () => {
    expect(() => nonRootUser(0)).toThrow(/rootReason/);
    expect(() => nonRootUser(-1)).toThrow(/positive integer/);
    expect(() => nonRootUser(1.5)).toThrow(/positive integer/);
  });
});

describe('probes', () => {
  it('httpProbes is the hand-written block: same check, timing per probe, startup only when timed', () => {
    expect(httpProbes('/health', 'http', { startup: { initialDelaySeconds: 30, failureThreshold: 30 }, liveness: { periodSeconds: 15 } })).toEqual({
      startup: { http: '/health', port: 'http', initialDelaySeconds: 30, failureThreshold: 30 },
      liveness: { http: '/health', port: 'http', periodSeconds: 15 },
      readiness: { http: '/health', port: 'http' },
    });
    expect(httpProbes('/', 'metrics')).toEqual({ liveness: { http: '/', port: 'metrics' }, readiness: { http: '/', port: 'metrics' } });
    expect('startup' in httpProbes('/', 'metrics')).toBe(false);
  });

  it('tcpProbes and execProbes likewise; single probes mix', () => {
    expect(tcpProbes('redis', { liveness: { initialDelaySeconds: 10 } })).toEqual({ liveness: { tcp: 'redis', initialDelaySeconds: 10 }, readiness: { tcp: 'redis' } });
    expect(execProbes(['pg_isready'], { readiness: { initialDelaySeconds: 5 } })).toEqual({ liveness: { exec: ['pg_isready'] }, readiness: { exec: ['pg_isready'], initialDelaySeconds: 5 } });
    expect({ liveness: tcpSocket('s3'), readiness: httpGet('/ready', 's3', { periodSeconds: 5 }) }).toEqual({
      liveness: { tcp: 's3' },
      readiness: { http: '/ready', port: 's3', periodSeconds: 5 },
    });
  });
});

describe('egress presets', () => {
  it('name the peer and its port; workloads only when given', () => {
    expect(egress.postgresql()).toEqual({ peer: { service: 'postgresql' }, ports: [5432] });
    expect('workloads' in egress.postgresql()).toBe(false);
    expect(egress.minio('registry', 'registryctl')).toEqual({ workloads: ['registry', 'registryctl'], peer: { service: 'minio' }, ports: [9000] });
    expect(egress.vault('controller')).toEqual({ workloads: ['controller'], peer: { service: 'vault' }, ports: [8200] });
    expect(egress.kubeApi()).toEqual({ peer: 'kube-apiserver', ports: [443, 6443] });
    expect(egress.internet([443, 80], 'controller')).toEqual({ workloads: ['controller'], peer: 'internet', ports: [443, 80] });
  });

  it('sharedPostgres addresses one database per client', () => {
    expect(sharedPostgres.address).toBe(`${sharedPostgres.host}:${sharedPostgres.port}`);
    expect(sharedPostgres.jdbcUrl('datahub')).toBe('jdbc:postgresql://postgresql.data-platform.svc:5432/datahub');
  });
});

describe('jvmOptions', () => {
  it('writes heap, -XX flags and -D properties in that order', () => {
    expect(jvmOptions({ xms: '512m', xmx: '768m', xx: ['+ExitOnOutOfMemoryError'] })).toBe('-Xms512m -Xmx768m -XX:+ExitOnOutOfMemoryError');
    expect(jvmOptions({ xmx: '640m', xx: ['+UseG1GC'], props: { 'log4j2.formatMsgNoLookups': 'true', 'http.port': '9002' } })).toBe(
      '-Xmx640m -XX:+UseG1GC -Dlog4j2.formatMsgNoLookups=true -Dhttp.port=9002',
    );
  });
});

describe('a definition written with presets', () => {
  it('is equal to its hand-written twin, so the builders see the same definition', () => {
    const withPresets: ServiceDefinition = {
      name: 'cache',
      namespace: 'data',
      layer: 'apps',
      description: 'fixture',
      monitoring: { none: 'fixture' },
      workloads: [
        {
          name: 'cache',
          kind: 'StatefulSet',
          image: { upstream: 'docker.io/library/redis', tag: '7.4.1' },
          ports: [{ name: 'redis', port: 6379 }],
          probes: tcpProbes('redis', { liveness: { initialDelaySeconds: 10 } }),
          resources: byCluster(resources('50m/128Mi', '200m/256Mi'), resources('50m/128Mi', '300m/512Mi')),
          replicas: everywhere(1),
          singleton: 'fixture',
          storage: [{ name: 'data', mountPath: '/data', size: byCluster('1Gi', '2Gi') }],
          security: nonRootUser(999, { ownsVolumes: true }),
        },
      ],
      backup: { schedule: '0 3 * * *', ttl: '168h' },
      network: { egress: [egress.minio()] },
    };
    const handWritten: ServiceDefinition = {
      ...withPresets,
      workloads: [
        {
          ...withPresets.workloads[0]!,
          probes: { liveness: { tcp: 'redis', initialDelaySeconds: 10 }, readiness: { tcp: 'redis' } },
          resources: {
            'single-node': { requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '200m', memory: '256Mi' } },
            'multi-node': { requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '300m', memory: '512Mi' } },
          },
          replicas: { default: 1 },
          storage: [{ name: 'data', mountPath: '/data', size: { 'single-node': '1Gi', 'multi-node': '2Gi' } }],
          security: { runAsUser: 999, runAsGroup: 999, fsGroup: 999 },
        },
      ],
      network: { egress: [{ peer: { service: 'minio' }, ports: [9000] }] },
    };
    expect(withPresets).toEqual(handWritten);
  });
});
