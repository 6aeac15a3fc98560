import type { FluxKustomization, RenderedObject } from '@carbon/render';
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
  waitSpansChildren(ks, byKey, emit);
  promotionSourcesReportHealth(byKey, emit);
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

/** A Go duration (`1h30m`, `5m`, `90s`) in milliseconds; undefined when it does not parse. */
export function goDurationMs(v: unknown): number | undefined {
  if (typeof v !== 'string' || !/^(\d+(\.\d+)?(h|m|s|ms))+$/.test(v)) return undefined;
  const unit: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };
  let ms = 0;
  for (const m of v.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s)/g)) ms += Number(m[1]) * unit[m[2]!]!;
  return ms;
}

const minutes = (ms: number) => `${Math.round((ms / 60_000) * 10) / 10}m`;
const FLUX_DEFAULT_TIMEOUT = '5m';

/**
 * FLX011: a Kustomization that waits (`wait: true`, or `healthChecks` naming Kustomizations) for
 * Flux Kustomizations it applies waits for their whole `dependsOn` chain, each step allowed its own
 * timeout. When that chain can outlast the parent's own timeout, the parent's health check fails
 * while its children are still progressing — what the real kustomize-controller did to flux-system
 * (wait: true, 5m) over the layers (issue 9). Dependencies outside the children are Ready before
 * the parent applies (its own dependsOn), so the chain is counted among the waited-for children.
 */
function waitSpansChildren(ks: FluxKustomization[], byKey: Map<string, FluxKustomization>, emit: Parameters<Check>[1]): void {
  const keyOf = (name: string, namespace: string) => `${namespace}/${name}`;
  // The Kustomization object as applied (by its parent), to point at its `wait` line.
  const applied = new Map<string, RenderedObject>();
  for (const k of byKey.values()) for (const ro of k.objects) if (ro.object.kind === 'Kustomization') applied.set(keyOf(ro.object.metadata?.name ?? '', ro.object.metadata?.namespace ?? k.namespace), ro);
  for (const p of ks) {
    const children = p.objects
      .filter((ro) => ro.object.kind === 'Kustomization' && String(ro.object.apiVersion ?? '').startsWith('kustomize.toolkit.fluxcd.io/') && !(ro.object.metadata?.name === p.name && (ro.object.metadata?.namespace ?? p.namespace) === p.namespace))
      .map((ro) => keyOf(ro.object.metadata?.name ?? '', ro.object.metadata?.namespace ?? p.namespace));
    const checks = (p.spec.healthChecks ?? []) as { kind?: string; name?: string; namespace?: string }[];
    const waited = p.spec.wait === true ? children : checks.filter((c) => c.kind === 'Kustomization' && c.name).map((c) => keyOf(c.name!, c.namespace ?? p.namespace));
    if (!waited.length) continue;
    const own = goDurationMs(p.spec.timeout ?? p.spec.interval);
    if (own === undefined) continue;
    const scope = new Set([...children, ...waited]);
    const memo = new Map<string, { ms: number; path: string[] }>();
    const chain = (key: string, seen: Set<string>): { ms: number; path: string[] } => {
      if (memo.has(key)) return memo.get(key)!;
      const k = byKey.get(key);
      const step = goDurationMs(k?.spec.timeout ?? k?.spec.interval ?? FLUX_DEFAULT_TIMEOUT) ?? 0;
      let best = { ms: 0, path: [] as string[] };
      for (const d of k?.dependsOn ?? []) {
        const dk = keyOf(d.name, d.namespace);
        if (!scope.has(dk) || seen.has(dk)) continue;
        const c = chain(dk, new Set([...seen, dk]));
        if (c.ms > best.ms) best = c;
      }
      const r = { ms: best.ms + step, path: [...best.path, key.split('/')[1]!] };
      memo.set(key, r);
      return r;
    };
    const longest = waited.map((w) => chain(w, new Set([w]))).sort((a, b) => b.ms - a.ms)[0]!;
    if (longest.ms <= own) continue;
    const how = p.spec.wait === true ? 'wait: true' : 'healthChecks';
    emit(
      'FLX011',
      applied.get(keyOf(p.name, p.namespace)) ?? place(p),
      `Kustomization ${p.name} waits (${how}, timeout ${minutes(own)}) for ${waited.length} Flux Kustomization${waited.length === 1 ? '' : 's'} it applies; their dependsOn chain ${longest.path.join(' → ')} may take up to ${minutes(longest.ms)} (their timeouts added): ${p.name}'s health check can fail while they are still progressing`,
      ['spec', p.spec.wait === true ? 'wait' : 'healthChecks'],
    );
  }
}

/**
 * FLX012: a Kustomization an Alert sends to a `githubdispatch` Provider (a promotion source) must
 * wait for health (`wait: true` or `healthChecks`). The only healthy report such a Provider gets is
 * kustomize-controller's "Health check passed in …": its `ReconciliationSucceeded` event carries
 * `commit_status: update` metadata, which notification-controller forwards only to commit-status and
 * generic providers (seen in the e2e, issue 9). Without health checks that event is never sent and
 * the service is never promoted.
 */
function promotionSourcesReportHealth(byKey: Map<string, FluxKustomization>, emit: Parameters<Check>[1]): void {
  const all = [...byKey.values()].flatMap((k) => k.objects.map((ro) => ({ ro, ns: k.namespace })));
  const isNotification = (ro: RenderedObject, kind: string) => ro.object.kind === kind && String(ro.object.apiVersion ?? '').startsWith('notification.toolkit.fluxcd.io/');
  const providers = new Map(all.filter(({ ro }) => isNotification(ro, 'Provider')).map(({ ro, ns }) => [`${ro.object.metadata?.namespace ?? ns}/${ro.object.metadata?.name}`, ro]));
  const reported = new Set<string>();
  for (const { ro, ns } of all.filter(({ ro }) => isNotification(ro, 'Alert'))) {
    const alert = ro.object as { metadata?: { name?: string; namespace?: string }; spec?: { providerRef?: { name?: string }; eventSources?: { kind?: string; name?: string; namespace?: string }[] } };
    const alertNs = alert.metadata?.namespace ?? ns;
    const provider = providers.get(`${alertNs}/${alert.spec?.providerRef?.name ?? ''}`);
    if ((provider?.object as { spec?: { type?: string } } | undefined)?.spec?.type !== 'githubdispatch') continue;
    for (const source of alert.spec?.eventSources ?? []) {
      if (source.kind !== 'Kustomization' || !source.name) continue;
      const sourceNs = source.namespace ?? alertNs;
      const targets = source.name === '*' ? [...byKey.values()].filter((k) => k.namespace === sourceNs) : [byKey.get(`${sourceNs}/${source.name}`)].filter((k): k is FluxKustomization => k !== undefined);
      for (const k of targets) {
        const key = `${k.namespace}/${k.name}`;
        if (k.spec.wait === true || ((k.spec.healthChecks ?? []) as unknown[]).length > 0 || reported.has(key)) continue;
        reported.add(key);
        emit(
          'FLX012',
          place(k),
          `Kustomization ${k.name} is a promotion source (Alert ${alert.metadata?.name} → githubdispatch Provider ${alert.spec?.providerRef?.name}) but sets neither wait nor healthChecks: kustomize-controller then never sends "Health check passed", the only healthy report a githubdispatch Provider receives, so ${k.name} is never promoted`,
        );
      }
    }
  }
}

