import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { findRepoRoot } from '@carbon/toolchain';
import { commitAll, ks, writeRepo } from '../../render/test/fixture.ts';
import { validate } from '../src/index.ts';
import { main } from '../../cli/src/main.ts';
import { check, clusterFactsDocument, facts, goodDeployment } from './helpers.ts';

const root = findRepoRoot(process.cwd());

const clusterYaml = stringify(
  clusterFactsDocument(
    [{ name: 'n1', cpu: '4', memory: '16Gi' }],
    Object.fromEntries(
      ['api', 'web'].map((ns) => [ns, { quota: { requests: { cpu: '8', memory: '8Gi' }, limits: { cpu: '8', memory: '8Gi' }, pods: 10, storage: '0', persistentVolumeClaims: 0 }, limitRange: { defaultRequest: { cpu: '50m', memory: '64Mi' }, default: { cpu: '100m', memory: '128Mi' }, max: { cpu: '4', memory: '4Gi' } } }]),
    ),
  ),
);

describe('validate --changed-since keeps what the change does to other services', () => {
  it("a service that grows leaves another service's pod unplaceable: that PLC001 is reported", async () => {
    const dep = (name: string, cpu: string) => stringify(goodDeployment(name, name, { replicas: 1, cpu }));
    const dir = writeRepo(
      {
        'clusters/test/cluster.yaml': clusterYaml,
        'clusters/test/kustomization.yaml': 'resources: [api.yaml, web.yaml]\n',
        'clusters/test/api.yaml': ks('api', './apps/api'),
        'clusters/test/web.yaml': ks('web', './apps/web'),
        'apps/api/objects.yaml': dep('api', '1'),
        'apps/web/objects.yaml': dep('web', '1'),
      },
      { git: true },
    );
    expect((await validate({ root, path: dir, changedSince: 'HEAD' })).findings.filter((f) => f.id === 'PLC001')).toEqual([]);
    writeFileSync(join(dir, 'apps/web/objects.yaml'), dep('web', '3500m'));
    const scoped = await validate({ root, path: dir, changedSince: 'HEAD' });
    expect(scoped.scope).toMatchObject({ services: ['web'] });
    const plc = scoped.findings.filter((f) => f.id === 'PLC001');
    expect(plc).toEqual([expect.objectContaining({ file: 'apps/api/objects.yaml', message: expect.stringMatching(/^Deployment api: 1 of 1 pod cannot be placed — n1: insufficient cpu/) })]);
    // The findings of the other service's own files (not about the cluster) stay out of scope.
    commitAll(dir, 'web grows');
    writeFileSync(join(dir, 'apps/api/objects.yaml'), dep('api', '1').replace('nginx:1.27', 'nginx:latest'));
    writeFileSync(join(dir, 'apps/web/objects.yaml'), dep('web', '1'));
    commitAll(dir, 'api latest, web back');
    writeFileSync(join(dir, 'apps/web/objects.yaml'), dep('web', '1100m'));
    const again = await validate({ root, path: dir, changedSince: 'HEAD' });
    expect(again.findings.some((f) => f.id === 'SUP003')).toBe(false);
  }, 120_000);

  it('CAP004 also for limits at peak (HPA max) against the quota', () => {
    const d = goodDeployment('web', 'web', { replicas: 2, cpu: '1' });
    const hpa = { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'web', namespace: 'web' }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 2, maxReplicas: 8, metrics: [] } };
    const f = facts([{ name: 'a', cpu: '64', memory: '256Gi' }, { name: 'b', cpu: '64', memory: '256Gi' }], { web: { cpu: '40', memory: '100Gi', limCpu: '5', limMem: '100Gi' } });
    const found = check([d, hpa], { facts: f, env: true }).filter((x) => x.id.startsWith('CAP'));
    expect(found.map((x) => `${x.id} ${x.message}`)).toEqual(['CAP004 namespace web at peak (HPA max) limits 8.0 vCPU / 2.0 GiB against its quota of 5.0 vCPU / 100.0 GiB']);
  });
});

describe('platform capacity', () => {
  it('lists an unplaceable pod once (in its table), not again as a PLC001 line; still exits 1', async () => {
    const dir = writeRepo(
      {
        'clusters/test/cluster.yaml': clusterYaml,
        'clusters/test/kustomization.yaml': 'resources: [web.yaml]\n',
        'clusters/test/web.yaml': ks('web', './apps/web'),
        'apps/web/objects.yaml': stringify(goodDeployment('web', 'web', { replicas: 1, cpu: '4500m' })),
      },
      { git: true },
    );
    let out = '';
    const code = await main(['capacity', '--path', dir], { out: (t) => (out += t), err: () => {}, cwd: root, isTTY: false });
    expect(code).toBe(1);
    expect(out).toContain('web');
    expect(out).not.toMatch(/^PLC001/m);
    expect(out.split('Deployment web').length - 1).toBe(1);
  }, 60_000);
});
