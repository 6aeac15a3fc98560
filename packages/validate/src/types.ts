import type { ClusterFacts } from '@carbon/platform';
import { locateField, type FluxKustomization, type ManifestObject, type RenderedObject } from '@carbon/render';
import { rule, type Category, type Severity } from './rules.ts';

export type Finding = {
  id: string;
  severity: Severity;
  category: Category;
  cluster: string;
  message: string;
  hint: string;
  /** Repo-relative file, 1-based line and column where known. */
  file?: string;
  line?: number;
  column?: number;
  /** The service definition that generated the file (`apps/<svc>/src/service.ts`). */
  service?: string;
  /** `Kind namespace/name` of the object concerned. */
  object?: string;
  /** Other files the finding depends on (the peer of a network rule): --changed-since keeps it when one changed. */
  related?: string[];
  /** Set when a policy exception suppressed it (kept for --format json). */
  suppressed?: { reason: string; expires?: string };
};

/** What every check sees about one cluster. */
export type ClusterView = {
  cluster: string;
  /** Declared facts (nodes, quotas, registry), when the repo has clusters/<name>/cluster.yaml. */
  facts?: ClusterFacts;
  objects: RenderedObject[];
  kustomizations: FluxKustomization[];
  /** Registry every image must come from (facts.registry.host, or policy.yaml `registry`). */
  registry?: string;
};

export type Check = (view: ClusterView, emit: Emit) => void;

export type Emit = (id: string, at: RenderedObject | FindingPlace | undefined, message: string, path?: readonly (string | number)[]) => void;

export type FindingPlace = { file?: string; line?: number; column?: number; service?: string; object?: string; related?: string[] };

export const ref = (o: ManifestObject): string => `${o.kind ?? '?'} ${o.metadata?.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata?.name ?? '?'}`;

/** Builds the emitter that turns (check id, object, field path) into a located finding. */
export function emitter(cluster: string, out: Finding[]): Emit {
  return (id, at, message, path) => {
    const r = rule(id);
    const f: Finding = { id, severity: r.severity, category: r.category, cluster, message, hint: r.hint };
    if (at && 'object' in at && typeof at.object === 'object') {
      const ro = at as RenderedObject;
      if (ro.sourceFile) {
        f.file = ro.sourceFile;
        const pos = path ? locateField(ro, path) : undefined;
        f.line = pos?.line ?? ro.line;
        f.column = pos?.column ?? ro.column;
      }
      if (ro.generatedFrom) f.service = ro.generatedFrom;
      f.object = ref(ro.object);
    } else if (at) {
      const p = at as FindingPlace;
      Object.assign(f, Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined)));
    }
    out.push(f);
  };
}
