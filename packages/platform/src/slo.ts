/**
 * Service level objectives, declared on a public endpoint next to the host they measure. The
 * same declaration that makes the Ingress makes the recording rules, the burn-rate alerts and the
 * SLO dashboard (@carbon/manifests), so there is no second file to keep in sync.
 */

/**
 * Upper bounds (ms) of ingress-nginx's request duration histogram (its default buckets): a latency
 * threshold measured at the edge must be one of them, or the ratio could not be computed exactly.
 */
export const EDGE_LATENCY_BUCKETS_MS = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000] as const;

/** The seeds' targets: 99.9 % available over 30 days, 95 % of requests under 100 ms. */
export const SLO_DEFAULTS = { availability: 99.9, latency: { percent: 95, thresholdMs: 100 }, window: '30d' } as const;

/** A request histogram the service exports itself (Prometheus client `_bucket`/`_count` series). */
export interface OwnRequestMetrics {
  /** Histogram base name, e.g. `grafana_http_request_duration_seconds`. */
  histogram: string;
  /** The label carrying the HTTP status code. */
  statusLabel: string;
  /** Extra PromQL matchers, e.g. `handler!="/api/live/ws"` (long-lived streams are not requests). */
  matchers?: string[];
}

export interface SloDeclaration {
  /** Percent of requests answered without a 5xx over the window (default 99.9). */
  availability?: number;
  /**
   * Percent of requests answered faster than `thresholdMs` (default 95 % under 100 ms, for
   * interactive UIs). `{ none: reason }` for endpoints whose requests are transfers, not interactions.
   */
  latency?: { percent?: number; thresholdMs?: number } | { none: string };
  /** Why this endpoint departs from the defaults; required when it overrides any of them. */
  reason?: string;
  /** The service's own request metrics, measured in addition to the edge. */
  own?: OwnRequestMetrics;
}

export type SliKind = 'availability' | 'latency';
export type SliSource = 'edge' | 'own';

/** One objective as the builders use it: everything resolved, per cluster. */
export interface ResolvedSlo {
  service: string;
  namespace: string;
  team: string;
  /** The public host it measures (fqdn). */
  host: string;
  /** `<service>` or `<service>-<host label>` when a service has several endpoints. */
  name: string;
  window: string;
  availability: number;
  latency?: { percent: number; thresholdMs: number };
  latencyNone?: string;
  reason?: string;
  own?: OwnRequestMetrics;
}

export const DEFAULT_TEAM = 'platform';

/** Resolves a declaration against the defaults. */
export function resolveSlo(
  decl: SloDeclaration,
  at: { service: string; namespace: string; team?: string; host: string; name: string },
): ResolvedSlo {
  const latency = decl.latency && 'none' in decl.latency ? undefined : { ...SLO_DEFAULTS.latency, ...(decl.latency ?? {}) };
  return {
    service: at.service,
    namespace: at.namespace,
    team: at.team ?? DEFAULT_TEAM,
    host: at.host,
    name: at.name,
    window: SLO_DEFAULTS.window,
    availability: decl.availability ?? SLO_DEFAULTS.availability,
    ...(latency ? { latency } : {}),
    ...(decl.latency && 'none' in decl.latency ? { latencyNone: decl.latency.none } : {}),
    ...(decl.reason ? { reason: decl.reason } : {}),
    ...(decl.own ? { own: decl.own } : {}),
  };
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const MATCHER = /^[a-zA-Z_][a-zA-Z0-9_]*(=|!=|=~|!~)"(?:[^"\\]|\\.)*"$/;

/** Problems with one declaration, as (field under `at`, message, hint) triples. */
export function sloProblems(decl: SloDeclaration): { field: string; message: string; hint?: string }[] {
  const out: { field: string; message: string; hint?: string }[] = [];
  const percent = (v: number | undefined, field: string) => {
    if (v === undefined) return;
    if (typeof v !== 'number' || !(v > 0 && v < 100)) out.push({ field, message: `${v} is not a percentage between 0 and 100 (exclusive)`, hint: 'e.g. 99.9' });
  };
  percent(decl.availability, 'availability');
  let overrides = decl.availability !== undefined && decl.availability !== SLO_DEFAULTS.availability;
  if (decl.latency && 'none' in decl.latency) {
    overrides = true;
    if (!decl.latency.none) out.push({ field: 'latency.none', message: 'say why this endpoint has no latency objective' });
  } else if (decl.latency) {
    percent(decl.latency.percent, 'latency.percent');
    const t = decl.latency.thresholdMs;
    if (t !== undefined && !(EDGE_LATENCY_BUCKETS_MS as readonly number[]).includes(t)) {
      out.push({ field: 'latency.thresholdMs', message: `${t} ms is not a bucket of ingress-nginx's request duration histogram`, hint: `one of ${EDGE_LATENCY_BUCKETS_MS.join(', ')}` });
    }
    if ((t !== undefined && t !== SLO_DEFAULTS.latency.thresholdMs) || (decl.latency.percent !== undefined && decl.latency.percent !== SLO_DEFAULTS.latency.percent)) overrides = true;
  }
  if (overrides && !decl.reason) out.push({ field: 'reason', message: 'an SLO that departs from the defaults (99.9 %, 95 % under 100 ms) says why', hint: 'e.g. "queries stream results: the client polls and each poll may wait up to 1 s"' });
  if (decl.own) {
    if (!METRIC_NAME.test(decl.own.histogram)) out.push({ field: 'own.histogram', message: `"${decl.own.histogram}" is not a metric name` });
    if (!LABEL_NAME.test(decl.own.statusLabel)) out.push({ field: 'own.statusLabel', message: `"${decl.own.statusLabel}" is not a label name` });
    (decl.own.matchers ?? []).forEach((m, i) => {
      if (!MATCHER.test(m)) out.push({ field: `own.matchers[${i}]`, message: `"${m}" is not a PromQL label matcher`, hint: 'write e.g. handler!="/api/live/ws"' });
    });
  }
  return out;
}
