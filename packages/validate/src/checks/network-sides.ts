import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { locateNetworkRule, oneSidedNetworkRules, type ServiceDefinition } from '@carbon/platform';
import type { ClusterView, Emit } from '../types.ts';

/** Service definitions as the platform's loader gives them (apps/<name>/src/service.ts, repo-relative). */
export type Definitions = readonly { definition: ServiceDefinition; file: string }[];

/**
 * NET007: a network rule declared on one side only (oneSidedNetworkRules, the same function
 * `platform generate` warns with). It is reported on each cluster that runs the declaring
 * service (a rendered object generated from its definition), at the rule in the definition.
 */
export function networkSideChecks(view: ClusterView, emit: Emit, definitions: Definitions, repo: string): void {
  const rendered = new Set(view.objects.map((o) => o.generatedFrom).filter(Boolean));
  const sources = new Map<string, string>();
  const source = (file: string) => {
    if (!sources.has(file)) sources.set(file, existsSync(join(repo, file)) ? readFileSync(join(repo, file), 'utf8') : '');
    return sources.get(file)!;
  };
  for (const r of oneSidedNetworkRules(definitions)) {
    if (!rendered.has(r.file)) continue;
    const [, dir, index] = /^network\.(ingress|egress)\[(\d+)\]$/.exec(r.field)!;
    const at = locateNetworkRule(source(r.file), dir as 'ingress' | 'egress', Number(index));
    // The peer's file is related: --changed-since keeps the finding when either side changed.
    emit('NET007', { file: r.file, ...(at ?? {}), related: [r.peer.file] }, `${r.field}: ${r.message}`);
  }
}
