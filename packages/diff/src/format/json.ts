import type { DiffReport } from '../types.ts';

/** The `--format json` document (schema: docs/cli.md, "diff --format json"). Values are already masked. */
export function renderJson(report: DiffReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
