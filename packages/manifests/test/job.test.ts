import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadClusters, type ServiceDefinition } from '@carbon/platform';
import { buildJob, type OneShot } from '../src/index.ts';

const root = join(import.meta.dirname, '../../..');
const clusters = loadClusters(root);
const cluster = clusters.find((c) => c.name === 'multi-node')!;

const svc: ServiceDefinition = { name: 'demo', namespace: 'data-platform', layer: 'apps', description: 'd', workloads: [], monitoring: { none: 'x' } };
const task = (tag: string): OneShot => ({
  name: 'migrate',
  pod: {
    name: 'migrate',
    image: { upstream: 'docker.io/library/busybox', tag },
    command: ['true'],
    resources: { default: { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '100m', memory: '32Mi' } } },
    security: { runAsUser: 1000 },
  },
  egress: [{ peer: { service: 'postgresql' }, ports: [5432] }],
});

describe('buildJob', () => {
  it('runs the hardened workload pod once, without probes or spread, with its own egress policy', () => {
    const out = buildJob(svc, task('1.36'), cluster, () => 'data-platform');
    const job = out.find((o) => o.kind === 'Job')!;
    const spec = (job.spec as { template: { spec: Record<string, any> } }).template.spec;
    expect(job.metadata.name).toMatch(/^demo-migrate-[0-9a-f]{6}$/);
    expect(spec.restartPolicy).toBe('OnFailure');
    expect(spec.containers[0].livenessProbe).toBeUndefined();
    expect(spec.containers[0].securityContext.readOnlyRootFilesystem).toBe(true);
    expect(spec.topologySpreadConstraints).toBeUndefined();
    expect(out.some((o) => o.kind === 'Deployment' || o.kind === 'Service')).toBe(false);
    const policy = out.find((o) => o.kind === 'NetworkPolicy')!;
    expect(JSON.stringify(policy.spec)).toContain('"port":5432');
  });

  it('names a changed pod differently, because Job templates are immutable', () => {
    const a = buildJob(svc, task('1.36'), cluster, () => 'data-platform').find((o) => o.kind === 'Job')!;
    const b = buildJob(svc, task('1.37'), cluster, () => 'data-platform').find((o) => o.kind === 'Job')!;
    expect(a.metadata.name).not.toBe(b.metadata.name);
  });
});
