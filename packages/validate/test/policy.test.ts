import { describe, expect, it } from 'vitest';
import { applyPolicy, parseImage, RULES, type Finding } from '../src/index.ts';
import { check, clone, goodSet, ids, ks, ro } from './helpers.ts';

type Mut = (objs: Record<string, any>[]) => Record<string, any>[];
const dep = (objs: Record<string, any>[]) => objs.find((o) => o.kind === 'Deployment')!;
const pod = (objs: Record<string, any>[]) => dep(objs).spec.template.spec;
const ctr = (objs: Record<string, any>[]) => pod(objs).containers[0];
const kindOf = (objs: Record<string, any>[], k: string) => objs.find((o) => o.kind === k)!;
const edit = (f: (objs: Record<string, any>[]) => void): Mut => (objs) => {
  f(objs);
  return objs;
};

/** check id → a change to the passing set that must make exactly that check fire. */
const FAILING: Record<string, Mut> = {
  SEC001: edit((o) => (pod(o).securityContext.runAsNonRoot = false)),
  SEC002: edit((o) => (ctr(o).securityContext.readOnlyRootFilesystem = false)),
  SEC003: edit((o) => (ctr(o).securityContext.privileged = true)),
  SEC004: edit((o) => delete ctr(o).securityContext.allowPrivilegeEscalation),
  SEC005: edit((o) => (ctr(o).securityContext.capabilities = { drop: ['ALL'], add: ['SYS_ADMIN'] })),
  SEC006: edit((o) => delete pod(o).securityContext.seccompProfile),
  SEC007: edit((o) => (pod(o).volumes = [{ name: 'h', hostPath: { path: '/var/log' } }])),
  SEC008: edit((o) => (pod(o).hostNetwork = true)),
  SEC009: edit((o) => (ctr(o).ports = [{ containerPort: 8080, hostPort: 8080 }])),
  SEC010: edit((o) => delete pod(o).automountServiceAccountToken),
  SEC011: edit((o) => ctr(o).env.push({ name: 'API_TOKEN', value: 'CANARY-xyz' })),
  SUP001: edit((o) => (ctr(o).image = 'docker.io/library/nginx:1.27')),
  SUP002: edit((o) => (ctr(o).image = 'harbor.example.com/dockerhub/nginx')),
  SUP003: edit((o) => (ctr(o).image = 'harbor.example.com/dockerhub/nginx:latest')),
  REL001: edit((o) => delete ctr(o).livenessProbe),
  REL002: edit((o) => delete ctr(o).readinessProbe),
  REL003: edit((o) => (dep(o).spec.selector.matchLabels = { app: 'other' })),
  REL004: edit((o) => (kindOf(o, 'PodDisruptionBudget').spec = { minAvailable: 5, selector: { matchLabels: { app: 'web' } } })),
  REL005: edit((o) => (kindOf(o, 'HorizontalPodAutoscaler').spec.minReplicas = 9)),
  REL006: edit((o) => (dep(o).spec.strategy = { type: 'Recreate' })),
  EFF001: edit((o) => delete ctr(o).resources.requests),
  EFF002: edit((o) => delete ctr(o).resources.limits.memory),
  EFF003: edit((o) => (ctr(o).resources.limits.memory = '64Mi')),
  NET001: edit((o) => o.splice(o.indexOf(o.find((x) => x.metadata.name === 'default-deny-all')!), 1)),
  NET002: edit((o) => (kindOf(o, 'Service').spec.selector = { app: 'nope' })),
  NET003: edit((o) => (kindOf(o, 'Ingress').spec.rules[0].http.paths[0].backend.service.name = 'missing')),
  NET004: edit((o) => (o.find((x) => x.metadata.name === 'allow-web')!.spec.podSelector = { matchLabels: { app: 'typo' } })),
  NET005: edit((o) => (kindOf(o, 'HorizontalPodAutoscaler').spec.scaleTargetRef.name = 'gone')),
  NET006: edit((o) => delete kindOf(o, 'Ingress').spec.tls),
  RBAC001: edit((o) => (kindOf(o, 'Role').rules[0].verbs = ['*'])),
  RBAC002: edit((o) => (kindOf(o, 'RoleBinding').roleRef = { kind: 'ClusterRole', name: 'cluster-admin', apiGroup: 'rbac.authorization.k8s.io' })),
  SECR001: edit((o) => o.push({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'web' }, stringData: { password: 'CANARY-xyz' } })),
  SECR002: edit((o) => (kindOf(o, 'ExternalSecret').spec.secretStoreRef.name = 'nowhere')),
  SECR003: edit((o) => o.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'web' }, data: { 'app_config.py': 'import os\nSECRET_KEY = os.environ["SECRET_KEY"]\nSMTP_PASSWORD = "CANARY-xyz"\n' } })),
  HYG001: edit((o) => o.push(clone(kindOf(o, 'Service')))),
  HYG002: edit((o) => ctr(o).env.push({ name: 'MODE', value: 'dev' })),
};

describe('policy checks: each fails on its fixture and passes on the good set', () => {
  it('the good set passes every policy check', () => {
    expect(check(goodSet())).toEqual([]);
  });
  for (const [id, mutate] of Object.entries(FAILING)) {
    it(`${id} fires on its failing fixture`, () => {
      const found = check(mutate(clone(goodSet())));
      expect(ids(found)).toContain(id);
      // and only checks that follow from the change (no unrelated noise)
      expect(found.filter((f) => f.id === id).every((f) => f.message.length > 0 && f.hint.length > 0)).toBe(true);
    });
  }
  it('secret values never appear in findings', () => {
    const found = check(FAILING.SECR001!(FAILING.SEC011!(clone(goodSet()))));
    expect(JSON.stringify(found)).not.toContain('CANARY');
  });
  it('SECR003 names the key and line, never the value; code that reads the environment is not a literal', () => {
    const found = check(FAILING.SECR003!(clone(goodSet()))).filter((f) => f.id === 'SECR003');
    expect(found.map((f) => f.message)).toEqual(['app_config.py assigns a literal credential to SMTP_PASSWORD (line 3)']);
    expect(JSON.stringify(found)).not.toContain('CANARY');
  });
  it('SEC011 ignores user names and secret references', () => {
    const set = clone(goodSet());
    ctr(set).env.push({ name: 'REGISTRY_CREDENTIAL_USERNAME', value: 'admin' }, { name: 'TOKEN_FILE', value: '/var/run/token' });
    expect(ids(check(set))).not.toContain('SEC011');
  });
  it('parses image references by Docker rules', () => {
    expect(parseImage('nginx')).toMatchObject({ registry: 'docker.io', repository: 'nginx' });
    expect(parseImage('harbor.x/p/nginx:1@sha256:ab')).toMatchObject({ registry: 'harbor.x', tag: '1', digest: 'sha256:ab' });
    expect(parseImage('localhost:5000/a:2')).toMatchObject({ registry: 'localhost:5000', tag: '2' });
  });
  it('every rule has an id, severity, rationale and hint; the catalogue is covered by fixtures', () => {
    for (const r of RULES) expect(r.rationale && r.hint && r.title).toBeTruthy();
    const policyIds = RULES.filter((r) => ['security', 'supply-chain', 'reliability', 'efficiency', 'networking', 'rbac', 'secrets', 'hygiene'].includes(r.category) && r.id !== 'HYG003' && r.id !== 'NET007').map((r) => r.id); // HYG003 needs a cluster folder: validate.test.ts; NET007 service definitions: network-sides.test.ts
    expect(policyIds.filter((id) => !FAILING[id])).toEqual([]);
  });
});

describe('Flux checks', () => {
  const run = (k: ReturnType<typeof ks>[]) => ids(check([], { kustomizations: k }));
  it('passes on sound wiring', () => {
    expect(run([ks('a'), ks('b', { dependsOn: [{ name: 'a', namespace: 'flux-system' }] })])).toEqual([]);
  });
  it('FLX001 path missing', () => expect(run([ks('a', { pathExists: false })])).toEqual(['FLX001']));
  it('FLX002 dependsOn target missing', () => expect(run([ks('a', { dependsOn: [{ name: 'zz', namespace: 'flux-system' }] })])).toEqual(['FLX002']));
  it('FLX003 source unresolved', () => expect(run([ks('a', { sourceRef: { kind: 'GitRepository', name: 'x', namespace: 'flux-system', mode: 'unresolved' } })])).toEqual(['FLX003']));
  it('FLX004 cycle, reported once', () => {
    const found = check([], { kustomizations: [ks('a', { dependsOn: [{ name: 'b', namespace: 'flux-system' }] }), ks('b', { dependsOn: [{ name: 'a', namespace: 'flux-system' }] })] });
    expect(found.filter((f) => f.id === 'FLX004')).toHaveLength(1);
    expect(found[0]!.message).toMatch(/a → flux-system\/b → flux-system\/a|b → flux-system\/a → flux-system\/b/);
  });
  it('FLX005 interval/timeout', () => expect(run([ks('a', { spec: { interval: '1m' } })])).toEqual(['FLX005']));
  it('FLX011 a Kustomization that waits for the Kustomizations it applies longer than its own timeout (the e2e flux-system failure)', () => {
    const child = (name: string) => ro({ apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization', metadata: { name, namespace: 'flux-system' } });
    const dep = (name: string) => [{ name, namespace: 'flux-system' }];
    // flux-system (wait: true, 5m) applies two layers, each 15m, one after the other: up to 30m.
    const layers = [ks('infra', { spec: { interval: '10m', timeout: '15m' } }), ks('apps', { spec: { interval: '10m', timeout: '15m' }, dependsOn: dep('infra') })];
    const root = (spec: Record<string, unknown>) => ks('flux-system', { spec: { interval: '10m', timeout: '5m', ...spec }, objects: [child('flux-system'), child('infra'), child('apps')] });
    const found = check([], { kustomizations: [root({ wait: true }), ...layers] }).filter((f) => f.id === 'FLX011');
    expect(found.map((f) => f.message)).toEqual(['Kustomization flux-system waits (wait: true, timeout 5m) for 2 Flux Kustomizations it applies; their dependsOn chain infra → apps may take up to 30m (their timeouts added): flux-system\'s health check can fail while they are still progressing']);
    expect(found[0]).toMatchObject({ severity: 'warning', object: 'Kustomization flux-system/flux-system' });
    // healthChecks naming one child: only its chain counts.
    expect(run([root({ healthChecks: [{ apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization', name: 'apps' }] }), ...layers])).toEqual(['FLX011']);
    // Fixed as in buildClusterRoot (no wait), or a timeout above the chain: nothing.
    expect(run([root({}), ...layers])).toEqual([]);
    expect(run([root({ wait: true, timeout: '45m' }), ...layers])).toEqual([]);
  });
});

describe('FLX012 promotion sources report health', () => {
  const notif = (kind: string, name: string, spec: Record<string, unknown>) => ro({ apiVersion: 'notification.toolkit.fluxcd.io/v1beta3', kind, metadata: { name, namespace: 'flux-system' }, spec });
  const tree = (type: string, svc: Record<string, unknown>, eventSources = [{ kind: 'Kustomization', name: 'portal' }]) => [
    ks('notifications', { objects: [notif('Provider', 'gh', { type, address: 'https://github.com/o/r' }), notif('Alert', 'promotion', { providerRef: { name: 'gh' }, eventSeverity: 'info', eventSources })] }),
    ks('portal', { spec: { interval: '10m', timeout: '5m', ...svc } }),
  ];
  const run12 = (k: ReturnType<typeof tree>) => check([], { kustomizations: k }).filter((f) => f.id === 'FLX012');
  it('a promotion source without wait or healthChecks is found, naming the Alert and Provider', () => {
    const found = run12(tree('githubdispatch', {}));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ severity: 'warning', object: 'Kustomization flux-system/portal' });
    expect(found[0]!.message).toContain('Alert promotion → githubdispatch Provider gh');
    expect(run12(tree('githubdispatch', {}, [{ kind: 'Kustomization', name: '*' }])).map((f) => f.object)).toContain('Kustomization flux-system/portal');
  });
  it('wait: true, healthChecks, or a provider that is not githubdispatch: nothing', () => {
    expect(run12(tree('githubdispatch', { wait: true }))).toEqual([]);
    expect(run12(tree('githubdispatch', { healthChecks: [{ kind: 'Deployment', name: 'portal', namespace: 'portal' }] }))).toEqual([]);
    expect(run12(tree('slack', {}))).toEqual([]);
  });
});

describe('platform/policy.yaml', () => {
  const f: Finding = { id: 'SEC007', severity: 'error', category: 'security', cluster: 'c', message: 'm', hint: 'h', object: 'DaemonSet monitoring/promtail', file: 'apps/loki/x.yaml' };
  it('an exception with a reason suppresses the finding; the finding stays in the result as suppressed', () => {
    const out = applyPolicy([f], { checks: {}, exceptions: [{ check: 'SEC007', kind: 'DaemonSet', namespace: 'monitoring', name: 'promtail', reason: 'node log agent' }] }, '2026-01-01');
    expect(out).toHaveLength(1);
    expect(out[0]!.suppressed).toEqual({ reason: 'node log agent' });
  });
  it('an exception for another object does not apply', () => {
    const out = applyPolicy([f], { checks: {}, exceptions: [{ check: 'SEC007', name: 'other', reason: 'node log agent' }] }, '2026-01-01');
    expect(out[0]!.suppressed).toBeUndefined();
  });
  it('an expired exception is a POL001 finding and the hidden finding is back', () => {
    const out = applyPolicy([f], { checks: {}, exceptions: [{ check: 'SEC007', name: 'promtail', reason: 'node log agent', expires: '2025-12-31', line: 4 }] }, '2026-01-01');
    expect(out.map((x) => [x.id, Boolean(x.suppressed)])).toEqual([
      ['SEC007', false],
      ['POL001', false],
    ]);
    expect(out[1]).toMatchObject({ file: 'platform/policy.yaml', line: 4, severity: 'error' });
  });
  it('severity overrides and off', () => {
    expect(applyPolicy([f], { checks: { SEC007: 'warning' }, exceptions: [] })[0]!.severity).toBe('warning');
    expect(applyPolicy([f], { checks: { SEC007: 'off' }, exceptions: [] })).toEqual([]);
  });
});
