import { describe, expect, it } from 'vitest';
import { COMMENT_BUDGET, renderJson, renderMarkdown, renderMarkdownLevel, MARKDOWN_NOTICES, renderTerminal, type K8sObject, type MarkdownLevel } from '../src/index.ts';
import { deployment, report, section } from './fixtures.ts';

const CANARY = 'canary-Zx81-never-print-me';

function secretBearing(v: string): K8sObject[] {
  return [
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds', namespace: 'data' }, data: { password: Buffer.from(v).toString('base64') }, stringData: { 'config.yaml': `db:\n  password: ${v}\n` } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'data' }, data: { ADMIN_TOKEN: v, 'app.ini': `[auth]\nsecret_key = ${v}\n` } },
    deployment('web', { env: [{ name: 'DB_PASSWORD', value: v }] }),
  ];
}

describe('formats', () => {
  const r = report([section({ app: secretBearing('old') }, { app: secretBearing(CANARY) })]);

  it('never prints a secret value, in any format, while showing which keys changed', () => {
    const outputs = { terminal: renderTerminal(r, { color: true }), markdown: renderMarkdown(r).full, json: renderJson(r) };
    for (const [name, text] of Object.entries(outputs)) {
      expect(text, name).not.toContain(CANARY);
      expect(text, name).not.toContain(Buffer.from(CANARY).toString('base64'));
      expect(text, name).toContain('data.password');
      expect(text, name).toContain('ADMIN_TOKEN');
      expect(text, name).toMatch(/masked \d+ bytes #[0-9a-f]{8}/);
    }
    // Every shrink level too.
    expect(renderMarkdown(r, 800).body).not.toContain(CANARY);
  });

  it('markdown: summary table first, then a collapsible section per service', () => {
    const md = renderMarkdown(report([section({ a: [deployment('web')], b: [deployment('api')] }, { a: [deployment('web', { replicas: 3 })], b: [] })])).body;
    const table = md.indexOf('| service | added | changed | removed |');
    const details = md.indexOf('<details><summary><b>a</b>');
    expect(table).toBeGreaterThan(0);
    expect(details).toBeGreaterThan(table);
    expect(md).toContain('<details><summary><b>b</b> · 1 removed</summary>');
    expect(md).toContain('~ spec.replicas: 2 → 3');
    expect(md).toContain('**prune**');
  });

  it('identical trees say "No changes" plainly in every format', () => {
    const same = report([section({ a: [deployment('web')] }, { a: [deployment('web')] })]);
    expect(renderMarkdown(same).body).toContain('**No changes**');
    expect(renderTerminal(same, { color: false })).toContain('No changes');
    expect(JSON.parse(renderJson(same)).totals).toEqual({ added: 0, changed: 0, removed: 0, renamed: 0, moved: 0, risks: 0, highRisks: 0 });
  });

  it('2,000 changed resources fit the comment limit with the summary intact, and the full report is kept', () => {
    const n = 2000;
    const base = Array.from({ length: n }, (_, i) => deployment(`svc-${i}`, { replicas: 2, cpu: '1' }));
    const head = Array.from({ length: n }, (_, i) => deployment(`svc-${i}`, { replicas: 1, cpu: `${500 + i}m`, env: [{ name: 'MODE', value: `v${i}` }] }));
    const big = report([section({ data: base.slice(0, 1000), more: base.slice(1000) }, { data: head.slice(0, 1000), more: head.slice(1000) })]);
    const md = renderMarkdown(big);
    expect(md.body.length).toBeLessThanOrEqual(COMMENT_BUDGET);
    expect(md.level).not.toBe('full');
    expect(md.body).toContain('[!NOTE]');
    expect(md.body).toMatch(/\| data \| {2}\| 1000 \|/);
    expect(md.body).toMatch(/\| more \| {2}\| 1000 \|/);
    expect(md.full.length).toBeGreaterThan(md.body.length);
    expect(md.full).toContain('svc-1999');
  });

  it('shrinks step by step: full → compact → resource list → summary, each with a visible notice', () => {
    const s = section({ a: Array.from({ length: 30 }, (_, i) => deployment(`d${i}`)) }, { a: Array.from({ length: 30 }, (_, i) => deployment(`d${i}`, { replicas: 3, env: [{ name: 'X', value: `${i}`.repeat(50) }] })) });
    const r2 = report([s]);
    const size = (level: Exclude<MarkdownLevel, 'full'>) => renderMarkdownLevel(r2, level, MARKDOWN_NOTICES[level]).length;
    const sizes = { full: renderMarkdownLevel(r2, 'full').length, compact: size('compact'), list: size('resource-list'), summary: size('summary') };
    expect(sizes.full).toBeGreaterThan(sizes.compact);
    expect(sizes.compact).toBeGreaterThan(sizes.list);
    expect(sizes.list).toBeGreaterThan(sizes.summary);
    const at = (budget: number) => renderMarkdown(r2, budget);
    expect(at(sizes.full).level).toBe('full');
    expect(at(sizes.full - 1).level).toBe('compact');
    expect(at(sizes.compact - 1).level).toBe('resource-list');
    expect(at(sizes.list - 1).level).toBe('summary');
    expect(at(sizes.summary - 1).level).toBe('truncated-summary');
    for (const b of [sizes.full - 1, sizes.compact - 1, sizes.list - 1, sizes.summary - 1]) {
      const body = at(b).body;
      expect(body.length).toBeLessThanOrEqual(b);
      expect(body).toContain('[!NOTE]');
    }
  });

  it('terminal colours only when asked', () => {
    const s = report([section({ a: [deployment('web')] }, { a: [] })]);
    expect(renderTerminal(s, { color: true })).toContain('\u001b[');
    expect(renderTerminal(s, { color: false })).not.toContain('\u001b[');
  });
});

describe('headers', () => {
  it('a working-tree head is called "working tree", not a cut word', () => {
    const r = { ...report([section({ a: [deployment('web')] }, { a: [] })]), head: { ref: 'WORKTREE', commit: 'WORKTREE' } };
    expect(renderMarkdown(r).body).toContain('→ `WORKTREE` (working tree)');
    expect(renderTerminal(r, { color: false })).toContain('→ WORKTREE (working tree)');
  });
});
