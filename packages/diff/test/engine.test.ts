import { describe, expect, it } from 'vitest';
import { diffFields, DEFAULT_CONFIG, createMasker, diffSection, maskObject, parseDiffConfig, renderMarkdown } from '../src/index.ts';
import { YamlSource } from '@carbon/platform';
import { deployment, report, section, services } from './fixtures.ts';

describe('field diff', () => {
  it('matches keyed lists by natural key, so reordering is no change', () => {
    const a = { containers: [{ name: 'a', image: 'x' }, { name: 'b', image: 'y' }], ports: [{ containerPort: 80 }, { containerPort: 443 }] };
    const b = { containers: [{ name: 'b', image: 'y' }, { name: 'a', image: 'x' }], ports: [{ containerPort: 443 }, { containerPort: 80 }] };
    expect(diffFields(a, b)).toEqual([]);
  });

  it('reports a change inside a keyed element with a keyed path', () => {
    const a = { containers: [{ name: 'a', image: 'x:1' }, { name: 'b', image: 'y' }] };
    const b = { containers: [{ name: 'b', image: 'y' }, { name: 'a', image: 'x:2' }] };
    expect(diffFields(a, b)).toEqual([{ path: 'containers[name=a].image', op: 'changed', before: 'x:1', after: 'x:2' }]);
  });

  it('treats scalar lists as sets except command/args', () => {
    expect(diffFields({ verbs: ['get', 'list'] }, { verbs: ['list', 'get'] })).toEqual([]);
    expect(diffFields({ verbs: ['get'] }, { verbs: ['get', 'delete'] })).toEqual([{ path: 'verbs[+]', op: 'added', after: 'delete' }]);
    expect(diffFields({ args: ['-a', '-b'] }, { args: ['-b', '-a'] })).toHaveLength(1);
  });

  it('matches unkeyed object lists by content first (rule reorder is no change)', () => {
    const r1 = { apiGroups: [''], resources: ['pods'], verbs: ['get'] };
    const r2 = { apiGroups: ['apps'], resources: ['deployments'], verbs: ['list'] };
    expect(diffFields({ rules: [r1, r2] }, { rules: [r2, r1] })).toEqual([]);
  });

  it('keys annotation paths with dots safely', () => {
    expect(diffFields({ a: { 'x.io/y': '1' } }, { a: { 'x.io/y': '2' } })[0]!.path).toBe('a["x.io/y"]');
  });
});

describe('section diff', () => {
  it('identical trees: no changes', () => {
    const s = section({ app: [deployment('web')] }, { app: [deployment('web')] });
    expect(s.resources).toEqual([]);
    expect(s.services).toEqual([]);
  });

  it('added, removed, changed by group/kind/namespace/name', () => {
    const s = section({ app: [deployment('web'), deployment('old')] }, { app: [deployment('web', { replicas: 3 }), deployment('new', { image: 'other/thing:1' })] });
    const by = Object.fromEntries(s.resources.map((r) => [r.ref, r.change]));
    expect(by).toEqual({ 'Deployment data/web': 'changed', 'Deployment data/old': 'removed', 'Deployment data/new': 'added' });
    expect(s.resources.find((r) => r.change === 'changed')!.fields).toEqual([{ path: 'spec.replicas', op: 'changed', before: 2, after: 3 }]);
  });

  it('a new workload shows its replicas, image, resources and security contexts, not just "added" (env values never)', () => {
    const redis = deployment('redis', { image: 'harbor.example/redis:7.4.1', env: [{ name: 'REDIS_PASSWORD', value: 'hunter2-never-shown' }] });
    const pod = (redis.spec as any).template.spec;
    pod.securityContext = { runAsNonRoot: true, runAsUser: 65532 };
    pod.containers[0].securityContext = { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } };
    pod.initContainers = [{ name: 'init', image: 'harbor.example/dockerhub/library/busybox:1.37' }];
    const s = section({ app: [] }, { app: [redis] });
    const added = s.resources.find((r) => r.ref === 'Deployment data/redis')!;
    expect(added.change).toBe('added');
    expect(added.fields.map((f) => f.path)).toEqual([
      'spec.replicas',
      'spec.template.spec.securityContext',
      'spec.template.spec.initContainers[name=init].image',
      'spec.template.spec.containers[name=main].image',
      'spec.template.spec.containers[name=main].resources',
      'spec.template.spec.containers[name=main].securityContext',
    ]);
    const md = renderMarkdown(report([s])).full;
    expect(md).toContain('harbor.example/redis:7.4.1');
    expect(md).toMatch(/runAsUser: 65532/);
    expect(md).toMatch(/memory: 1Gi/);
    expect(md).not.toContain('hunter2-never-shown');
    // A ConfigMap or a Service added stays one line.
    const cm = section({ app: [] }, { app: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'data' }, data: { a: 'b' } }] });
    expect(cm.resources[0]!.fields).toEqual([]);
  });

  it('detects configMapGenerator hash-suffix renames', () => {
    const cm = (name: string, v: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'data' }, data: { 'app.conf': v } });
    const s = section({ app: [cm('trino-config-7h2m9b4c5d', 'a=1')] }, { app: [cm('trino-config-g8t6k4f2b9', 'a=2')] });
    expect(s.resources).toHaveLength(1);
    expect(s.resources[0]).toMatchObject({ change: 'renamed', ref: 'ConfigMap data/trino-config-g8t6k4f2b9', from: { ref: 'ConfigMap data/trino-config-7h2m9b4c5d' } });
    expect(s.resources[0]!.fields).toEqual([{ path: 'data["app.conf"]', op: 'changed', before: 'a=1', after: 'a=2' }]);
  });

  it('detects renames by ≥ 90% similar content, and not below', () => {
    const big = (name: string, extra: Record<string, string>) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'data' }, data: { ...Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, `v${i}`])), ...extra } });
    const renamed = section({ app: [big('alpha', {})] }, { app: [big('beta', { extra: 'x' })] });
    expect(renamed.resources.map((r) => r.change)).toEqual(['renamed']);
    const other = section({ app: [big('alpha', {})] }, { app: [{ ...big('beta', {}), data: { totally: 'different' } }] });
    expect(other.resources.map((r) => r.change).sort()).toEqual(['added', 'removed']);
  });

  it('shows a resource that moved between Flux Kustomizations as moved', () => {
    const s = section({ infra: [deployment('shared')] }, { apps: [deployment('shared')] });
    expect(s.resources).toEqual([expect.objectContaining({ change: 'moved', service: 'apps', from: { service: 'infra' }, fields: [] })]);
  });

  it('collapses identical changes on several resources into one line', () => {
    const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
    const s = section({ app: names.map((n) => deployment(n, { image: 'harbor.example/trino:455' })) }, { app: names.map((n) => deployment(n, { image: 'harbor.example/trino:461' })) });
    expect(s.repeated).toEqual([{ description: 'image harbor.example/trino tag 455 → 461', count: 7, refs: names.map((n) => `Deployment data/${n}`) }]);
    expect(s.resources.every((r) => r.fields.every((f) => f.repeated))).toBe(true);
  });

  it('ignores configured paths, annotations and labels (never selectors)', () => {
    const config = parseDiffConfig(new YamlSource('platform/diff.yaml', 'ignore:\n  paths: [spec.replicas]\n  labels: [app.kubernetes.io/name]\n'));
    const a = deployment('web');
    const b = deployment('web', { replicas: 5, selector: { app: 'web2' } });
    (b.metadata.labels as Record<string, string>)['app.kubernetes.io/name'] = 'changed';
    const s = diffSection({ cluster: 'c', kind: 'on-merge', title: '', base: services({ x: [a] }), head: services({ x: [b] }) }, { config });
    expect(s.resources[0]!.fields.map((f) => f.path)).toEqual(['spec.selector.matchLabels.app']);
    expect(DEFAULT_CONFIG.ignore.paths).toContain('status');
  });

  it('rejects a bad config with file and field', () => {
    expect(() => parseDiffConfig(new YamlSource('platform/diff.yaml', 'ignore:\n  paths: 3\n'))).toThrow(/ignore\.paths/);
    expect(() => parseDiffConfig(new YamlSource('platform/diff.yaml', 'colapse: 3\n'))).toThrow(/unknown setting/);
  });
});

describe('secrets', () => {
  const CANARY = 'canary-S3cr3t-value-9f8e7d';
  it('masks Secret data, stringData, sensitive env and ConfigMap keys while showing that they changed', () => {
    const secret = (v: string, extraKey?: boolean) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'data' }, data: { password: Buffer.from(v).toString('base64'), ...(extraKey ? { token: 'eA==' } : {}) }, stringData: { url: `postgres://u:${v}@db` } });
    const cm = (v: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'data' }, data: { DB_PASSWORD: v, 'app.properties': `user=app\npassword=${v}\n` } });
    const dep = (v: string) => deployment('web', { env: [{ name: 'API_TOKEN', value: v }] });
    const s = diffSection(
      { cluster: 'c', kind: 'on-merge', title: '', base: services({ x: [secret('old-value'), cm('old-value'), dep('old-value')] }), head: services({ x: [secret(CANARY, true), cm(CANARY), dep(CANARY)] }) },
      { masker: createMasker() },
    );
    const text = JSON.stringify(s);
    expect(text).not.toContain(CANARY);
    expect(text).not.toContain(Buffer.from(CANARY).toString('base64'));
    const secretChange = s.resources.find((r) => r.id.kind === 'Secret')!;
    expect(secretChange.fields.map((f) => `${f.op} ${f.path}`)).toEqual(['changed data.password', 'added data.token', 'changed stringData.url']);
    expect(String(secretChange.fields[0]!.after)).toMatch(/^‹masked 26 bytes #[0-9a-f]{8}›$/);
    expect(s.resources.find((r) => r.id.kind === 'Deployment')!.fields[0]!.path).toBe('spec.template.spec.containers[name=main].env[name=API_TOKEN].value');
  });

  it('salts per run: the same value hashes differently in two runs, equal within one', () => {
    const a = createMasker();
    const b = createMasker();
    expect(a.mask('x')).toBe(a.mask('x'));
    expect(a.mask('x')).not.toBe(b.mask('x'));
  });
});

describe('masking inside strings', () => {
  const CANARY = 'Cz9-canary-inline';
  const masker = createMasker();
  const maskOne = (o: Record<string, unknown>) => JSON.stringify(maskObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'n' }, ...o }, masker));
  it.each([
    ['JSON blob', { data: { 'settings.json': `{"db":{"host":"pg","password":"${CANARY}"}}` } }],
    ['URL credentials', { data: { DATABASE_URL: `postgres://app:${CANARY}@pg:5432/db` } }],
    ['args flag', { data: { cmd: `serve --api-key=${CANARY} --port=80` } }],
    ['query string', { data: { hook: `https://x.example/h?token=${CANARY}&a=1` } }],
    ['ini line', { data: { 'app.ini': `[auth]\nsecret_key = ${CANARY}\n` } }],
    ['HelmRelease values', { spec: { values: { auth: { adminPassword: CANARY } } } }],
    ['annotation', { metadata: { name: 'x', namespace: 'n', annotations: { 'example.com/token': CANARY } } }],
  ])('%s', (_name, o) => {
    const text = maskOne(o);
    expect(text).not.toContain(CANARY);
    expect(text).toContain('‹masked');
  });

  it('leaves references and ordinary text alone', () => {
    const text = maskOne({ data: { note: 'the keyboard is fine', ref: 'secretName: db-creds', file: 'passwordFile=/etc/pw' } });
    expect(text).not.toContain('‹masked');
  });
});
