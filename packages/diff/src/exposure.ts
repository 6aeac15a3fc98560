import type { HeadObjects } from './risks.ts';
import type { K8sObject } from './types.ts';

type Rec = Record<string, any>;

/**
 * Software that serves its API without authentication (by design or as configured here): made
 * public, anyone can read — and often write or delete — its data. Matched on the image repository's
 * last path segment.
 */
export const NO_AUTH_SOFTWARE: Record<string, string> = {
  loki: 'Loki (auth_enabled: false; anyone can query and push logs)',
  promtail: 'Promtail',
  prometheus: 'Prometheus (no authentication; the admin API can delete series)',
  alertmanager: 'Alertmanager (anyone can silence alerts)',
  pushgateway: 'Pushgateway',
  'node-exporter': 'node-exporter',
  'kube-state-metrics': 'kube-state-metrics',
  'blackbox-exporter': 'blackbox-exporter',
  tempo: 'Tempo',
  jaeger: 'Jaeger',
  'jaeger-query': 'Jaeger',
  'metrics-server': 'metrics-server',
};

/** Ingress annotations that put authentication in front of the backend. */
const EDGE_AUTH = /^nginx\.ingress\.kubernetes\.io\/(auth-url|auth-type|auth-tls-verify-client)$|^oauth2-proxy/;

function backends(o: K8sObject): string[] {
  const out = new Set<string>();
  const spec = (o as Rec).spec ?? {};
  if (o.kind === 'Ingress') {
    if (spec.defaultBackend?.service?.name) out.add(spec.defaultBackend.service.name);
    for (const rule of (spec.rules as Rec[] | undefined) ?? []) for (const p of (rule.http?.paths as Rec[] | undefined) ?? []) if (p.backend?.service?.name) out.add(p.backend.service.name);
  } else for (const rule of (spec.rules as Rec[] | undefined) ?? []) for (const b of (rule.backendRefs as Rec[] | undefined) ?? []) if (b.name && (b.kind ?? 'Service') === 'Service') out.add(b.name);
  return [...out];
}

function matches(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  if (!selector || !Object.keys(selector).length) return false;
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

/**
 * Whether the software behind a public Ingress/route authenticates by itself: `none` names it when
 * it does not (known software by image, or a mounted config with `auth_enabled: false`); `edge` is
 * set when the ingress itself authenticates.
 */
export function exposureAuthentication(route: K8sObject, objects: HeadObjects): { none?: string; edge?: boolean } {
  const annotations = route.metadata?.annotations ?? {};
  if (Object.keys(annotations).some((k) => EDGE_AUTH.test(k))) return { edge: true };
  const ns = route.metadata?.namespace ?? 'default';
  const services = objects('Service', ns);
  const workloads = ['Deployment', 'StatefulSet', 'DaemonSet'].flatMap((k) => objects(k, ns));
  const configMaps = objects('ConfigMap', ns);
  for (const name of backends(route)) {
    const svc = services.find((s) => s.metadata?.name === name) as Rec | undefined;
    if (!svc) continue;
    for (const w of workloads as Rec[]) {
      const pod = w.spec?.template;
      if (!matches(svc.spec?.selector, pod?.metadata?.labels)) continue;
      for (const c of (pod?.spec?.containers as Rec[] | undefined) ?? []) {
        const repo = String(c.image ?? '').replace(/[:@][^/]*$/, '');
        const known = NO_AUTH_SOFTWARE[repo.slice(repo.lastIndexOf('/') + 1)];
        if (known) return { none: known };
      }
      const mounted = new Set(((pod?.spec?.volumes as Rec[] | undefined) ?? []).map((v) => v.configMap?.name).filter(Boolean));
      for (const cm of configMaps) {
        if (!mounted.has(cm.metadata?.name)) continue;
        for (const [file, text] of Object.entries(((cm as Rec).data ?? {}) as Record<string, unknown>)) {
          if (typeof text === 'string' && /^\s*auth_enabled:\s*false\s*$/m.test(text)) return { none: `${w.metadata?.name} (${file}: auth_enabled: false)` };
        }
      }
    }
  }
  return {};
}
