import { describe, expect, it } from 'vitest';
import { renderMarkdown } from '../src/index.ts';
import { commentHtml, measureInChromium } from './browser-check.ts';
import { PR_KINDS, prReport } from './pr-kinds.ts';

/**
 * Acceptance: the comment for each kind of PR, rendered to HTML and laid out by a real headless
 * Chromium at 1000 px: nothing runs off the side, and every risk is visible without expanding
 * anything. Chromium comes from Debian (tooling/ensure installs it); without it this test fails and
 * says how to install it.
 */
describe('PR comments in a real browser at 1000 px', () => {
  for (const [kind, pr] of Object.entries(PR_KINDS)) {
    it(`${kind}: ${pr.title}`, () => {
      const report = prReport(kind);
      const md = renderMarkdown(report).body;
      const layout = measureInChromium(commentHtml(md));
      expect(layout.windowWidth).toBe(1000);
      expect(layout.pageWidth, 'the page does not scroll sideways').toBeLessThanOrEqual(1000);
      expect(layout.overflowing, 'no code block, table or paragraph scrolls sideways').toEqual([]);
      expect(layout.risks).toBeGreaterThanOrEqual(report.sections.filter((s) => s.kind !== 'backlog').reduce((n, s) => n + Math.min(s.risks.filter((r) => r.category !== 'image').length, 200), 0));
      expect(layout.hiddenRisks, 'risks are visible without expanding anything').toBe(0);
      expect(layout.risksBeforeDetails).toBe(true);
    }, 90_000);
  }

  it('the measurement catches overflow and hidden risks (it can fail)', () => {
    const bad = ['### c — applies on merge', '', '<details><summary>x</summary>', '', '- 🔴 **privilege** · hidden risk', '', '</details>', '', '```', 'x'.repeat(400), '```', ''].join('\n');
    const layout = measureInChromium(commentHtml(bad));
    expect(layout.overflowing.length).toBeGreaterThan(0);
    expect(layout.hiddenRisks).toBe(1);
    expect(layout.risksBeforeDetails).toBe(false);
  }, 90_000);
});

describe('the seven kinds of PR (and the velero one): the risks a reviewer must see, and no false alarm', () => {
  const risksOf = (kind: string) => prReport(kind).sections.filter((s) => s.kind !== 'backlog').flatMap((s) => s.risks.map((r) => `${s.cluster}/${s.kind} ${r.level} ${r.category} ${r.service}: ${r.message}`));
  it('trino bump: image old → new on both clusters', () => {
    expect(risksOf('trino-bump')).toEqual(expect.arrayContaining([expect.stringMatching(/^single-node\/on-merge info image trino: worker: harbor\.254carbon\.com\/dockerhub\/trinodb\/trino 455 → 461$/), expect.stringMatching(/^multi-node\/pending-promotion info image trino: /)]));
  });
  it('superset HPA + CPU: peak over the data-platform quota, blamed on superset', () => {
    expect(risksOf('superset-hpa-cpu').filter((r) => r.includes(' capacity '))).toEqual(expect.arrayContaining([expect.stringMatching(/^multi-node\/pending-promotion medium capacity superset: namespace data-platform at peak .*\(CAP004\); caused by Deployment superset at HPA maximum requests/)]));
  });
  it('quota change: listed once per cluster, where it applies (on merge), blamed on the ResourceQuota', () => {
    const r = risksOf('quota-change');
    expect(r.filter((x) => x.includes('quota lowered'))).toEqual([expect.stringMatching(/^single-node\/on-merge high capacity infrastructure: quota lowered/), expect.stringMatching(/^multi-node\/on-merge high capacity infrastructure: quota lowered/)]);
    expect(r.filter((x) => x.startsWith('multi-node/pending-promotion'))).toEqual([]);
  });
  it('a new Vault-backed secret key: no risk at all (the renamed init Job is a new object)', () => {
    expect(risksOf('vault-secret-key')).toEqual([]);
    const md = renderMarkdown(prReport('vault-secret-key')).body;
    expect(md).toContain('SMTP_PASSWORD = os.environ["SMTP_PASSWORD"]');
    expect(md).toContain('secretKey: SMTP_PASSWORD');
  });
  it('widened role: rbac-widened, high (Secrets)', () => expect(risksOf('widened-role')).toEqual(expect.arrayContaining([expect.stringMatching(/^single-node\/on-merge high rbac-widened platform-rbac: grants added: core\/secrets:get/)])));
  it('Loki public: high exposure, no authentication of its own', () => expect(risksOf('loki-public')).toEqual(expect.arrayContaining([expect.stringMatching(/^single-node\/on-merge high public-exposure loki: new public host: loki\..*Loki .*has no authentication of its own$/)])));
  it('capacity break: pods that no longer fit, blamed on trino', () => expect(risksOf('capacity-break')).toEqual(expect.arrayContaining([expect.stringMatching(/high capacity trino: .*caused by Deployment trino-worker requests/)])));
  it('velero to root: privilege, high', () => expect(risksOf('velero-root')).toEqual(expect.arrayContaining([expect.stringMatching(/^multi-node\/pending-promotion high privilege velero: server runs as root \(runAsNonRoot true, runAsUser 65532 → runAsNonRoot false, runAsUser 0\)$/), expect.stringMatching(/high privilege velero: server adds capabilities DAC_READ_SEARCH, CHOWN, FOWNER, SYS_ADMIN$/)])));
  it('the production backlog is one collapsed line, after this change', () => {
    const md = renderMarkdown(prReport('trino-bump')).body;
    expect(md).toMatch(/<details><summary>multi-node production backlog, not this change: 1 service on the base branch not yet promoted \(grafana\)/);
    expect(md.indexOf('multi-node production backlog')).toBeGreaterThan(md.indexOf('### multi-node — when promoted'));
    expect(md.indexOf('### single-node')).toBeLessThan(md.indexOf('### multi-node'));
  });
});
