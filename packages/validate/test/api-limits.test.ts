import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { checkEncoding } from '@carbon/render';
import { findRepoRoot } from '@carbon/toolchain';
import { ks, writeRepo } from '../../render/test/fixture.ts';
import { apiLimitChecks, emitter, exitCodeOf, labelValueProblem, qualifiedNameProblem, validate, type Finding } from '../src/index.ts';
import { ro } from './helpers.ts';

/**
 * Issue 13 item 4: what the API server refuses whatever the schema says, and what kustomize
 * refuses to read, are input errors (exit 2) located at file, line and column.
 */

const root = findRepoRoot(process.cwd());
const MiB = 1024 * 1024;

function run(objects: Record<string, unknown>[]): Finding[] {
  const out: Finding[] = [];
  apiLimitChecks({ cluster: 't', objects: objects.map((o, i) => ro(o, i)), kustomizations: [] }, emitter('t', out));
  return out;
}
const cm = (name: string, data: Record<string, string>, extra: Record<string, unknown> = {}) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'web', ...extra }, data });

describe('checkEncoding (what the YAML reader of kustomize refuses)', () => {
  const at = (bytes: number[], prefix = 'a: b\nc: d') => checkEncoding(Buffer.concat([Buffer.from(prefix), Buffer.from(bytes), Buffer.from('e\n')]), 'x.yaml');
  it('accepts UTF-8 text with tabs, CR, NEL, non-ASCII letters, emoji and a byte-order mark', () => {
    expect(checkEncoding(Buffer.from('\ufeffa: "t\tb"\r\nb: héllo 日本 😀 \u0085\n'), 'x.yaml')).toBeUndefined();
  });
  it.each([
    ['NUL', [0x00], /U\+0000 \(NUL\)/],
    ['SOH', [0x01], /U\+0001/],
    ['DEL', [0x7f], /U\+007F \(DEL\)/],
    ['C1 U+0080', [0xc2, 0x80], /U\+0080/],
    ['U+FFFE', [0xef, 0xbf, 0xbe], /U\+FFFE/],
    ['a lone 0xff', [0xff], /byte 0xff is not valid UTF-8/],
    ['a truncated sequence', [0xe2, 0x82], /byte 0xe2 is not valid UTF-8/],
    ['an overlong NUL', [0xc0, 0x80], /byte 0xc0 is not valid UTF-8/],
    ['a UTF-8 surrogate', [0xed, 0xa0, 0x80], /byte 0xed is not valid UTF-8/],
  ])('refuses %s with line, column (characters) and byte offset', (_n, bytes, message) => {
    const p = at(bytes, 'a: b\nc: dé');
    expect(p).toMatchObject({ code: 'encoding', file: 'x.yaml', line: 2, column: 6 });
    expect(p!.message).toMatch(message);
    expect(p!.message).toContain('byte offset 11');
  });
  it('says UTF-16 for a UTF-16 byte-order mark', () => {
    expect(checkEncoding(Buffer.from([0xff, 0xfe, 0x61, 0x00]), 'x.yaml')!.message).toMatch(/UTF-16/);
  });
});

describe('apiLimitChecks (INP003, INP004)', () => {
  it('a ConfigMap over 1 MiB of data is INP003 with its size and the limit; exactly 1 MiB passes', () => {
    const f = run([cm('big', { a: 'x'.repeat(2 * MiB) }), cm('edge', { a: 'x'.repeat(MiB - 1), b: 'y' })]);
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ id: 'INP003', severity: 'error', category: 'input', object: 'ConfigMap web/big' });
    expect(f[0]!.message).toMatch(/holds 2\.00 MiB \(2097152 bytes\) .* over 1\.00 MiB \(1048576 bytes, MaxSecretSize\)/);
  });
  it('counts binaryData and Secret data decoded, and stringData over data', () => {
    const b64 = Buffer.alloc(MiB).toString('base64'); // 1.33 MiB of text, exactly 1 MiB decoded
    expect(run([{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b' }, binaryData: { a: b64 } }])).toEqual([]);
    expect(run([{ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { a: b64 } }])).toEqual([]);
    const f = run([{ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { a: b64 }, stringData: { b: 'x' } }]);
    expect(f.map((x) => x.id)).toEqual(['INP003']);
    expect(f[0]!.message).not.toContain('xxxx');
  });
  it('any object over 1.5 MiB as JSON is INP003 (etcd), over 3 MiB names the request limit', () => {
    const crd = (n: number) => ({ apiVersion: 'example.com/v1', kind: 'Thing', metadata: { name: `t${n}` }, spec: { blob: 'x'.repeat(n) } });
    expect(run([crd(MiB)])).toEqual([]);
    const f = run([crd(2 * MiB), crd(4 * MiB)]);
    expect(f.map((x) => x.id)).toEqual(['INP003', 'INP003']);
    expect(f[0]!.message).toMatch(/as JSON: etcd stores at most 1\.50 MiB per object by default \(--max-request-bytes 1572864\)/);
    expect(f[1]!.message).toMatch(/at most 3\.00 MiB per request \(MaxRequestBodyBytes\)/);
  });
  it('names: subdomain (253) by default, DNS label (63) for Namespace, StatefulSet and Service, 52 for CronJob, path segments for RBAC', () => {
    const long = (n: number) => 'a'.repeat(n);
    const f = run([
      cm(long(253), {}),
      cm(long(254), {}),
      cm('Upper', {}),
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: long(64) } },
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a.b' } },
      { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: long(64), namespace: 'web' } },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web.1', namespace: 'web' } },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: '1web', namespace: 'web' } },
      { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: long(53), namespace: 'web' } },
      { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: long(52), namespace: 'web' } },
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'system:Aggregate-To-View' } },
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'a/b' } },
      cm('web', {}, { namespace: long(64) }),
      cm('${NAME}', {}),
    ]);
    expect(f.every((x) => x.id === 'INP004')).toBe(true);
    expect(f.map((x) => x.message.replace(/a{20,}…?/g, 'a…'))).toEqual([
      'ConfigMap name "a…" is 254 characters: a DNS-1123 subdomain has at most 253',
      'ConfigMap name "Upper" is not a DNS-1123 subdomain (lower-case letters, digits, "-" and ".", alphanumeric at both ends)',
      'Namespace name "a…" is 64 characters: a DNS-1123 label has at most 63',
      'Namespace name "a.b" is not a DNS-1123 label (lower-case letters, digits and "-", alphanumeric at both ends, no ".")',
      'StatefulSet name "a…" is 64 characters: a DNS-1123 label has at most 63',
      'Service name "web.1" is not a DNS-1123 label (lower-case letters, digits and "-", alphanumeric at both ends, no ".")',
      'CronJob name "a…" is 53 characters: a CronJob name has at most 52 (its Jobs append 11)',
      'ClusterRole name "a/b" may not contain "/" or "%"',
      'ConfigMap "web": namespace "a…" is 64 characters: a DNS-1123 label has at most 63',
    ]);
  });
  it('label keys and values, annotation keys, and annotations over 256 KiB together, in metadata and pod templates', () => {
    expect(qualifiedNameProblem('app.kubernetes.io/name')).toBeUndefined();
    expect(qualifiedNameProblem(`${'a'.repeat(254)}/x`)).toMatch(/prefix of 254/);
    expect(qualifiedNameProblem('a'.repeat(64))).toMatch(/name part of 64/);
    expect(qualifiedNameProblem('-a')).toMatch(/alphanumeric/);
    expect(labelValueProblem('')).toBeUndefined();
    expect(labelValueProblem('v1.2_3-x')).toBeUndefined();
    expect(labelValueProblem('a'.repeat(64))).toMatch(/64 characters/);
    const deploy = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'web', labels: { app: 'web', 'bad key!': 'x' }, annotations: { note: 'x'.repeat(256 * 1024) } },
      spec: { template: { metadata: { labels: { version: 'a'.repeat(64) }, annotations: { '/x': 'y' } } } },
    };
    const f = run([deploy]);
    expect(f.map((x) => x.message)).toEqual([
      'Deployment "web": label key "bad key!" has a name part that is not alphanumeric at both ends with only "-", "_" and "." inside',
      'Deployment "web": annotations total 256.0 KiB (262148 bytes): the API server allows at most 256.0 KiB (262144 bytes, keys and values together)',
      `Deployment "web": spec.template label "version": value is 64 characters: a label value has at most 63`,
      'Deployment "web": spec.template annotation key "/x" has an empty prefix before "/"',
    ]);
  });
});

describe('validate: located, exit 2 (real kustomize)', () => {
  const fluxRepo = (files: Record<string, string | Buffer>) => writeRepo({ 'clusters/test/web.yaml': ks('web', './apps/web'), ...(files as Record<string, string>) });

  it('a NUL byte in a folder without kustomization.yaml (Flux generates one): INP002 at file:line:col before anything parses it', async () => {
    const bad = Buffer.concat([Buffer.from('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: web\ndata:\n  k: "ab'), Buffer.from([0]), Buffer.from('c"\n')]);
    const dir = fluxRepo({ 'apps/web/nested/cm.yaml': bad as unknown as string });
    const r = await validate({ root, path: dir, schema: false, rules: false });
    expect(exitCodeOf(r)).toBe(2);
    const f = r.findings.filter((x) => x.id === 'INP002');
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ file: 'apps/web/nested/cm.yaml', line: 7, column: 9, severity: 'error' });
    expect(f[0]!.message).toMatch(/U\+0000 \(NUL\) .* byte offset 82/);
  });

  it('invalid UTF-8 in a file a kustomization lists: INP002 at the file, not a kustomize message', async () => {
    const bad = Buffer.concat([Buffer.from('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: web}\ndata: {k: "'), Buffer.from([0xff]), Buffer.from('"}\n')]);
    const dir = fluxRepo({ 'apps/web/kustomization.yaml': 'resources: [cm.yaml]\n', 'apps/web/cm.yaml': bad as unknown as string });
    const r = await validate({ root, path: dir, schema: false, rules: false });
    expect(exitCodeOf(r)).toBe(2);
    expect(r.findings.filter((x) => x.category === 'input')).toMatchObject([{ id: 'INP002', file: 'apps/web/cm.yaml', line: 4, column: 12 }]);
  });

  it('a 2 MiB ConfigMap (under the 8 MiB file limit) is INP003 at its file and line', async () => {
    const dir = fluxRepo({ 'apps/web/cm.yaml': `# padding\n${stringify(cm('big', { blob: 'x'.repeat(2 * MiB) }))}` });
    const r = await validate({ root, path: dir, schema: false, rules: false });
    expect(exitCodeOf(r)).toBe(2);
    expect(r.findings.filter((x) => x.category === 'input')).toMatchObject([{ id: 'INP003', file: 'apps/web/cm.yaml', line: 7, object: 'ConfigMap web/big' }]);
  });

  it('a secretGenerator Secret is located at the kustomization file and the line of its entry (SECR001, and INP003 when too big)', async () => {
    const dir = fluxRepo({
      'apps/web/kustomization.yaml': 'namespace: web\nresources: [cm.yaml]\nconfigMapGenerator:\n- name: settings\n  literals: [a=b]\nsecretGenerator:\n- name: creds\n  literals:\n  - password=hunter2\n- name: blob\n  files: [blob.txt]\n',
      'apps/web/cm.yaml': stringify(cm('plain', { a: 'b' })),
      'apps/web/blob.txt': 'x'.repeat(MiB + 1),
    });
    const r = await validate({ root, path: dir, schema: false, rules: false });
    const secr = r.findings.filter((x) => x.id === 'SECR001');
    expect(secr.map((x) => [x.object!.replace(/-[a-z0-9]{10}$/, ''), x.file, x.line])).toEqual([
      ['Secret web/creds', 'apps/web/kustomization.yaml', 7],
      ['Secret web/blob', 'apps/web/kustomization.yaml', 10],
    ]);
    expect(r.findings.filter((x) => x.id === 'INP003')).toMatchObject([{ file: 'apps/web/kustomization.yaml', line: 10 }]);
    for (const f of r.findings) expect(f.message).not.toContain('hunter2');
  });
});
