import { diffRevisions, renderMarkdown, type DiffReport } from '@carbon/diff';
import type { DiffRequest } from './promote.ts';

/** Body budget for the diff inside a PR body (GitHub allows 65,536 characters in all). */
const DIFF_BUDGET = 40_000;

/**
 * The reviewer diff (`platform diff`) of main → the promotion branch, limited to the target
 * cluster and the promoted service: the diff engine is pin-aware, so this is exactly what
 * multi-node receives when the pin moves.
 */
export async function multiNodeDiff(request: DiffRequest): Promise<string> {
  const report = await diffRevisions({ repo: request.root, base: request.baseCommit, head: request.headCommit, clusters: [request.cluster] });
  const only: DiffReport = {
    ...report,
    sections: report.sections
      .filter((s) => s.cluster === request.cluster)
      .map((s) => ({ ...s, services: s.services.filter((x) => x.service === request.service), resources: s.resources.filter((r) => r.service === request.service) })),
  };
  return renderMarkdown(only, DIFF_BUDGET).body;
}
