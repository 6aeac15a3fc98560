import { describe, expect, it, beforeAll } from 'vitest';
import { exec } from '../src/exec.ts';
import { findRepoRoot } from '../src/repo.ts';
import { ensureSchemas, listSchemaKinds, schemaKindKey, schemaLocations } from '../src/schemas.ts';
import { checkTool, ensureTools } from '../src/tools.ts';

// Real tools and real schemas in the repo's .tools (the first run installs and builds: minutes).
const root = findRepoRoot(import.meta.dirname);
let kubeconform = '';

beforeAll(async () => {
  await ensureTools(root);
  await ensureSchemas(root);
  kubeconform = await checkTool(root, 'kubeconform', { probe: true });
}, 20 * 60_000);

type Resource = { name: string; kind: string; status: 'statusValid' | 'statusInvalid' | 'statusError' | 'statusSkipped'; msg?: string };

async function validate(manifest: string): Promise<Resource[]> {
  const locations = schemaLocations(root).flatMap((location) => ['-schema-location', location]);
  const result = await exec(kubeconform, ['-strict', '-verbose', '-output', 'json', ...locations, '-'], { input: manifest, timeoutMs: 60_000 });
  return (JSON.parse(result.stdout) as { resources: Resource[] }).resources;
}

const deployment = (extraSpec = '') => `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: apps, labels: {app: web}}
spec:
  replicas: 2${extraSpec}
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: nginx:1.27
          ports: [{name: http, containerPort: 80}]
          resources: {requests: {cpu: 250m, memory: 256Mi}, limits: {cpu: 1, memory: 1Gi}}
          readinessProbe: {httpGet: {path: /healthz, port: http}}
`;

const customResources = `apiVersion: cert-manager.io/v1
kind: Certificate
metadata: {name: web-tls, namespace: apps}
spec:
  secretName: web-tls
  dnsNames: [web.254carbon.com]
  issuerRef: {name: letsencrypt, kind: ClusterIssuer}
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: apps, namespace: flux-system}
spec:
  interval: 10m
  path: ./clusters/prod/apps
  prune: true
  wait: true
  timeout: 5m
  sourceRef: {kind: GitRepository, name: platform}
---
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata: {name: web, namespace: apps}
spec:
  selector: {matchLabels: {app: web}}
  endpoints: [{port: http, interval: 30s, path: /metrics}]
---
apiVersion: velero.io/v1
kind: Schedule
metadata: {name: nightly, namespace: velero}
spec:
  schedule: "0 2 * * *"
  template: {includedNamespaces: [apps], ttl: 720h0m0s}
---
apiVersion: external-secrets.io/v1beta1
kind: ExternalSecret
metadata: {name: db, namespace: apps}
spec:
  refreshInterval: 1h
  secretStoreRef: {name: vault, kind: ClusterSecretStore}
  target: {name: db-credentials}
  data: [{secretKey: password, remoteRef: {key: apps/db, property: password}}]
`;

describe('kubeconform -strict with the offline schemas', () => {
  it('accepts a valid Deployment', async () => {
    const [resource] = await validate(deployment());
    expect(resource).toMatchObject({ kind: 'Deployment', status: 'statusValid' });
  });

  it('rejects a Deployment with an unknown field', async () => {
    const [resource] = await validate(deployment('\n  replicaz: 3'));
    expect(resource!.status).toBe('statusInvalid');
    expect(resource!.msg).toContain("additional properties 'replicaz' not allowed");
  });

  it('validates cert-manager, Flux, prometheus-operator, velero and external-secrets resources', async () => {
    const resources = await validate(customResources);
    // kubeconform validates concurrently, so results come back in any order.
    const byKind = Object.fromEntries(resources.map((r) => [r.kind, `${r.status}${r.msg ? `: ${r.msg}` : ''}`]));
    expect(byKind).toEqual({
      Certificate: 'statusValid',
      Kustomization: 'statusValid',
      ServiceMonitor: 'statusValid',
      Schedule: 'statusValid',
      ExternalSecret: 'statusValid',
    });
  });

  it('rejects an unknown field in a custom resource', async () => {
    const [resource] = await validate(customResources.split('---')[0]!.replace('secretName: web-tls', 'secretName: web-tls\n  secretNmae: typo'));
    expect(resource!.status).toBe('statusInvalid');
    expect(resource!.msg).toContain('secretNmae');
  });

  it('reports a kind without a schema as an error', async () => {
    const [resource] = await validate('apiVersion: widgets.example.com/v1\nkind: Widget\nmetadata: {name: w}\n');
    expect(resource).toMatchObject({ kind: 'Widget', status: 'statusError' });
    expect(resource!.msg).toContain('could not find schema for Widget');
  });
});

describe('listSchemaKinds', () => {
  it('lists core and CRD kinds by group/version/kind', () => {
    const kinds = listSchemaKinds(root);
    for (const [apiVersion, kind] of [
      ['v1', 'Service'],
      ['apps/v1', 'Deployment'],
      ['autoscaling/v2', 'HorizontalPodAutoscaler'],
      ['kustomize.toolkit.fluxcd.io/v1', 'Kustomization'],
      ['helm.toolkit.fluxcd.io/v2', 'HelmRelease'],
      ['cert-manager.io/v1', 'ClusterIssuer'],
      ['monitoring.coreos.com/v1', 'PrometheusRule'],
      ['velero.io/v1', 'Backup'],
      ['external-secrets.io/v1beta1', 'ClusterSecretStore'],
    ]) {
      expect(kinds.has(schemaKindKey(apiVersion!, kind!)), `${apiVersion}/${kind}`).toBe(true);
    }
    expect(kinds.has('widgets.example.com/v1/Widget')).toBe(false);
  });

  it('a second ensureSchemas with a fresh stamp is cached and fast', async () => {
    const started = performance.now();
    const result = await ensureSchemas(root);
    expect(result.cached).toBe(true);
    expect(performance.now() - started).toBeLessThan(500);
  });
});
