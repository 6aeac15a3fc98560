import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { locateNetworkRule, oneSidedNetworkRules, type OneSidedRule, type ServiceDefinition } from '@carbon/platform';
import type { ClusterView, Emit } from '../types.ts';

/** Service definitions as the platform's loader gives them (apps/<name>/src/service.ts, repo-relative). */
export type Definitions = readonly { definition: ServiceDefinition; file: string }[];

export type LocatedOneSidedRule = OneSidedRule & { line?: number; column?: number };

/** oneSidedNetworkRules, each located at its rule in the definition's source (`repo`-relative files). */
export function locatedOneSidedRules(definitions: Definitions, repo: string): LocatedOneSidedRule[] {
  const sources = new Map<string, string>();
  const source = (file: string) => {
    if (!sources.has(file)) sources.set(file, existsSync(join(repo, file)) ? readFileSync(join(repo, file), 'utf8') : '');
    return sources.get(file)!;
  };
  return oneSidedNetworkRules(definitions).map((r) => {
    const [, dir, index] = /^network\.(ingress|egress)\[(\d+)\]$/.exec(r.field)!;
    return { ...r, ...(locateNetworkRule(source(r.file), dir as 'ingress' | 'egress', Number(index)) ?? {}) };
  });
}

/**
 * NET007: a network rule declared on one side only (oneSidedNetworkRules, the same function
 * `platform generate` warns with). It is reported on each cluster that runs the declaring
 * service (a rendered object generated from its definition), at the rule in the definition.
 */
export function networkSideChecks(view: ClusterView, emit: Emit, definitions: Definitions, repo: string): void {
  const rendered = new Set(view.objects.map((o) => o.generatedFrom).filter(Boolean));
  for (const r of locatedOneSidedRules(definitions, repo)) {
    if (!rendered.has(r.file)) continue;
    // The peer's file is related: --changed-since keeps the finding when either side changed.
    emit('NET007', { file: r.file, ...(r.line ? { line: r.line, column: r.column } : {}), related: [r.peer.file] }, `${r.field}: ${r.message}`);
  }
}
