import { diffRevisions, renderMarkdown, type DiffReport } from '@carbon/diff';
import type { DiffRequest, PromotionDiff } from './promote.ts';

/** Body budget for the diff inside a PR body (GitHub allows 65,536 characters in all). */
const DIFF_BUDGET = 40_000;

/**
 * The reviewer diff (`platform diff`) of main → the promotion branch, limited to the target
 * cluster and the promoted service: the diff engine is pin-aware, so this is exactly what
 * multi-node receives when the pin moves. Its high risks come along: a manual promotion carrying
 * one waits for approval.
 */
export async function multiNodeDiff(request: DiffRequest): Promise<PromotionDiff> {
  const report = await diffRevisions({ repo: request.root, base: request.baseCommit, head: request.headCommit, clusters: [request.cluster] });
  const only: DiffReport = {
    ...report,
    sections: report.sections
      .filter((s) => s.cluster === request.cluster)
      .map((s) => ({ ...s, services: s.services.filter((x) => x.service === request.service), resources: s.resources.filter((r) => r.service === request.service) })),
  };
  const highRisks = only.sections.flatMap((s) => s.risks.filter((r) => r.level === 'high' && r.service === request.service).map((r) => `${r.category}: ${r.ref} ${r.message}`));
  return { markdown: renderMarkdown(only, DIFF_BUDGET).body, highRisks };
}
