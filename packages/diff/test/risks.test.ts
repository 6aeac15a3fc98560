import { describe, expect, it } from 'vitest';
import type { K8sObject } from '../src/index.ts';
import { deployment, section } from './fixtures.ts';

const pvc = (name: string, storage = '10Gi', storageClassName = 'local-path'): K8sObject => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name, namespace: 'data' },
  spec: { storageClassName, accessModes: ['ReadWriteOnce'], resources: { requests: { storage } } },
});
const sts = (over: Record<string, unknown> = {}): K8sObject => ({
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name: 'db', namespace: 'data' },
  spec: { serviceName: 'db', selector: { matchLabels: { app: 'db' } }, template: { spec: { containers: [{ name: 'pg', image: 'pg:16' }] } }, volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { resources: { requests: { storage: '5Gi' } } } }], ...over },
});
const role = (kind: string, rules: unknown[]): K8sObject => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind, metadata: { name: 'r', ...(kind === 'Role' ? { namespace: 'data' } : {}) }, rules });
const netpol = (spec: Record<string, unknown>): K8sObject => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'np', namespace: 'data' }, spec });

function categories(s: ReturnType<typeof section>): string[] {
  return s.risks.map((r) => `${r.level}:${r.category}`);
}

describe('risk signals', () => {
  it('prune deletions, with data at risk for PVCs and StatefulSets with claims', () => {
    const s = section({ app: [pvc('data'), sts(), deployment('web')] }, { app: [] });
    expect(categories(s).sort()).toEqual(['high:data-at-risk', 'high:data-at-risk', 'medium:prune']);
  });

  it('a Kustomization without prune orphans instead of deleting', () => {
    const s = section({ keep: [pvc('data')] }, { keep: [] }, { noPrune: new Set(['keep']) });
    expect(s.risks).toEqual([expect.objectContaining({ level: 'info', category: 'prune', message: expect.stringContaining('spec.prune is false') })]);
  });

  it('immutable fields: selector, StatefulSet serviceName/volumeClaimTemplates, PVC class and shrink, Service clusterIP', () => {
    expect(categories(section({ a: [deployment('w')] }, { a: [deployment('w', { selector: { app: 'x' } })] }))).toContain('high:immutable-field');
    expect(categories(section({ a: [sts()] }, { a: [sts({ serviceName: 'db2' })] }))).toContain('high:immutable-field');
    expect(categories(section({ a: [sts()] }, { a: [sts({ volumeClaimTemplates: [] })] }))).toContain('high:immutable-field');
    expect(categories(section({ a: [pvc('p')] }, { a: [pvc('p', '10Gi', 'fast')] }))).toEqual(['high:immutable-field']);
    expect(categories(section({ a: [pvc('p', '10Gi')] }, { a: [pvc('p', '5Gi')] }))).toEqual(['high:immutable-field']);
    const svc = (spec: Record<string, unknown>): K8sObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'data' }, spec });
    expect(categories(section({ a: [svc({ clusterIP: '10.0.0.1' })] }, { a: [svc({ clusterIP: '10.0.0.2' })] }))).toEqual(['high:immutable-field']);
    expect(categories(section({ a: [svc({ type: 'ClusterIP' })] }, { a: [svc({ type: 'ExternalName', externalName: 'x.example' })] }))).toContain('high:immutable-field');
    const job = (image: string): K8sObject => ({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j', namespace: 'data' }, spec: { template: { spec: { containers: [{ name: 'c', image }] } } } });
    expect(categories(section({ a: [job('x:1')] }, { a: [job('x:2')] }))).toContain('high:immutable-field');
  });

  it('image changes, replica and resource reductions', () => {
    const s = section({ a: [deployment('w', { replicas: 3, cpu: '1' })] }, { a: [deployment('w', { replicas: 1, cpu: '500m', image: 'harbor.example/w:461' })] });
    expect(categories(s).sort()).toEqual(['info:image', 'info:resources-reduced', 'medium:replicas-reduced']);
    expect(s.risks.find((r) => r.category === 'replicas-reduced')!.message).toBe('spec.replicas 3 → 1');
  });

  it('RBAC widened: new verbs, wildcards, new bindings', () => {
    const base = role('Role', [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }]);
    const s = section({ a: [base] }, { a: [role('Role', [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'delete'] }])] });
    expect(s.risks).toEqual([expect.objectContaining({ level: 'medium', category: 'rbac-widened', message: 'grants added: core/pods:delete' })]);
    expect(categories(section({ a: [base] }, { a: [role('Role', [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }])] }))).toEqual(['high:rbac-widened']);
    const binding: K8sObject = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'b' }, roleRef: { kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'ServiceAccount', name: 'x', namespace: 'data' }] };
    expect(categories(section({ a: [] }, { a: [binding] }))).toEqual(['high:rbac-widened']);
    expect(categories(section({ a: [] }, { a: [{ ...binding, roleRef: { kind: 'ClusterRole', name: 'viewer' } }] }))).toEqual(['medium:rbac-widened']);
    expect(categories(section({ a: [base] }, { a: [role('Role', [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }])] }))).toEqual(['high:rbac-widened']);
    // Reordered rules widen nothing.
    const two = [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }, { apiGroups: ['apps'], resources: ['deployments'], verbs: ['list'] }];
    expect(section({ a: [role('Role', two)] }, { a: [role('Role', [...two].reverse())] }).risks).toEqual([]);
  });

  it('NetworkPolicy loosened: rule added, open peer, removed, policy type dropped', () => {
    const base = netpol({ podSelector: {}, policyTypes: ['Ingress', 'Egress'], ingress: [{ from: [{ podSelector: { matchLabels: { app: 'a' } } }] }] });
    const added = netpol({ podSelector: {}, policyTypes: ['Ingress', 'Egress'], ingress: [{ from: [{ podSelector: { matchLabels: { app: 'a' } } }] }, { from: [{ ipBlock: { cidr: '0.0.0.0/0' } }] }] });
    expect(categories(section({ a: [base] }, { a: [added] }))).toEqual(['high:network-policy-loosened']);
    expect(categories(section({ a: [base] }, { a: [] }))).toContain('high:network-policy-loosened');
    expect(categories(section({ a: [base] }, { a: [netpol({ podSelector: {}, policyTypes: ['Egress'], ingress: [{ from: [{ podSelector: { matchLabels: { app: 'a' } } }] }] })] }))).toContain('high:network-policy-loosened');
  });

  it('new public exposure: Ingress hosts and LoadBalancer/NodePort Services', () => {
    const ing = (hosts: string[]): K8sObject => ({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'i', namespace: 'data' }, spec: { rules: hosts.map((host) => ({ host })) } });
    const s = section({ a: [ing(['a.example.com'])] }, { a: [ing(['a.example.com', 'admin.example.com'])] });
    expect(s.risks).toEqual([expect.objectContaining({ category: 'public-exposure', message: 'new public host: admin.example.com' })]);
    const svc: K8sObject = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'data' }, spec: { type: 'LoadBalancer' } };
    expect(categories(section({ a: [] }, { a: [svc] }))).toEqual(['high:public-exposure']);
  });

  it('CRD changes', () => {
    const crd = (v: string): K8sObject => ({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'x.example.com' }, spec: { versions: [{ name: v }] } });
    expect(categories(section({ a: [crd('v1')] }, { a: [crd('v2')] }))).toEqual(['medium:crd']);
    expect(categories(section({ a: [crd('v1')] }, { a: [] }))).toEqual(['high:crd']);
  });

  it('capacity headroom before → after, flagged when requests pass allocatable', () => {
    const cap = { nodes: 1, allocatableCpu: 2000, allocatableMemory: 8 * 1024 ** 3 };
    const s = section({ a: [deployment('w', { replicas: 1 })] }, { a: [deployment('w', { replicas: 5 })] }, { capacity: { base: cap, head: cap } });
    expect(s.capacity!.before.cpuMillicores).toEqual({ requested: 500, allocatable: 2000 });
    expect(s.capacity!.after.cpuMillicores).toEqual({ requested: 2500, allocatable: 2000 });
    expect(s.risks.find((r) => r.category === 'capacity')).toMatchObject({ level: 'high' });
  });
});
