import type { FluxKustomization } from '@carbon/render';
import type { Check, FindingPlace } from '../types.ts';

const place = (k: FluxKustomization): FindingPlace => ({
  ...(k.definedIn ? { file: k.definedIn.file, ...(k.definedIn.line ? { line: k.definedIn.line } : {}), ...(k.definedIn.column ? { column: k.definedIn.column } : {}) } : {}),
  object: `Kustomization ${k.namespace}/${k.name}`,
});

/** Flux wiring: paths, dependsOn targets and cycles, sources, intervals and timeouts. */
export const fluxChecks: Check = (view, emit) => {
  const ks = view.kustomizations.filter((k) => k.definedIn); // the synthetic root is not a declared object
  const byKey = new Map(view.kustomizations.map((k) => [`${k.namespace}/${k.name}`, k]));
  for (const k of ks) {
    if (k.sourceRef.mode === 'unresolved' && !k.objects.length) emit('FLX003', place(k), `Kustomization ${k.name}: sourceRef ${k.sourceRef.kind}/${k.sourceRef.namespace}/${k.sourceRef.name} is not declared on this cluster`);
    else if (k.sourceRef.mode === 'external') emit('FLX008', place(k), `Kustomization ${k.name} is not rendered: ${k.sourceRef.reason ?? 'its source is outside this repository'}`);
    else if (!k.pathExists && k.sourceRef.mode !== 'unresolved') emit('FLX001', place(k), `Kustomization ${k.name}: path ./${k.path} does not exist${k.sourceRef.commit && k.sourceRef.mode === 'commit' ? ` at ${k.sourceRef.commit.slice(0, 12)}` : ''}`);
    for (const d of k.dependsOn) if (!byKey.has(`${d.namespace}/${d.name}`)) emit('FLX002', place(k), `Kustomization ${k.name} depends on ${d.namespace}/${d.name}, which does not exist`);
    const missing = ['interval', 'timeout'].filter((f) => !k.spec[f]);
    if (missing.length) emit('FLX005', place(k), `Kustomization ${k.name} sets no ${missing.join(' or ')}`);
  }
  // Cycles: depth-first search over dependsOn, each cycle reported once.
  const state = new Map<string, 'visiting' | 'done'>();
  const reported = new Set<string>();
  const visit = (key: string, stack: string[]) => {
    if (state.get(key) === 'done') return;
    if (state.get(key) === 'visiting') {
      const cycle = [...stack.slice(stack.indexOf(key)), key];
      const id = [...cycle].sort().join(',');
      if (!reported.has(id)) {
        reported.add(id);
        const k = byKey.get(key)!;
        emit('FLX004', place(k), `dependsOn cycle: ${cycle.join(' → ')}`);
      }
      return;
    }
    state.set(key, 'visiting');
    for (const d of byKey.get(key)?.dependsOn ?? []) {
      const dk = `${d.namespace}/${d.name}`;
      if (byKey.has(dk)) visit(dk, [...stack, key]);
    }
    state.set(key, 'done');
  };
  for (const key of byKey.keys()) visit(key, []);
};
