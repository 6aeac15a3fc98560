import { documentText, rawYaml, type ManifestObject, type RenderedObject } from '@carbon/render';
import type { Check, Emit } from '../types.ts';

/**
 * What the API server refuses whatever the schema says (issue 13 item 4): objects over its size
 * limits (INP003) and names, label and annotation keys and values over their limits or outside
 * their syntax (INP004). Flux applies a Kustomization as one server-side apply; one refused
 * object fails it whole, so each is an input error (exit 2), located at the object's file and line.
 *
 * The limits, from the Kubernetes sources (the versions the pinned schemas describe):
 *  - `MaxSecretSize = 1 * 1024 * 1024` (k8s.io/api core/v1 types.go): `ValidateConfigMap` sums
 *    the bytes of every `data` and `binaryData` value (decoded; keys not counted), `ValidateSecret`
 *    every `data` value decoded (`stringData` is merged into `data` before validation);
 *  - etcd `DefaultMaxRequestBytes = 1.5 * 1024 * 1024` (server/embed/config.go, `--max-request-bytes`):
 *    the largest write etcd accepts, so the largest object the API server can store; the API
 *    server's own `MaxRequestBodyBytes` is `3 * 1024 * 1024` (k8s.io/apiserver server/config.go);
 *  - `TotalAnnotationSizeLimitB = 256 * (1 << 10)` (apimachinery api/validation/objectmeta.go):
 *    sum of len(key) + len(value) of all annotations;
 *  - names: `IsDNS1123Subdomain` (253, `[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.…)*`) for most kinds,
 *    `IsDNS1123Label` (63) for Namespace (`ValidateNamespaceName = NameIsDNSLabel`) and StatefulSet
 *    (`ValidateStatefulSetName` → `NameIsDNSLabel`) and Service (`NameIsDNS1035Label`, starting
 *    with a letter, until Kubernetes 1.36; a DNS-1123 label since, KEP-5311), at most 52 characters for a CronJob
 *    (`DNS1035LabelMaxLength-11`: its Jobs append `-<11 chars>`), any path segment for RBAC and
 *    flowcontrol objects (`ValidateRBACName = path.IsValidPathSegmentName`); `metadata.namespace`
 *    is a DNS-1123 label;
 *  - label keys and annotation keys: `IsQualifiedName` (optional DNS-1123 subdomain prefix of at
 *    most 253 and `/`, then a name of at most 63 matching `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]`);
 *    label values: `IsValidLabelValue` (at most 63, empty or the same pattern).
 */

export const API_LIMITS = {
  /** core/v1 MaxSecretSize: bytes of a ConfigMap's data + binaryData, or a Secret's data (decoded). */
  dataBytes: 1024 * 1024,
  /** etcd DefaultMaxRequestBytes (--max-request-bytes): the largest object it stores. */
  objectBytes: 1.5 * 1024 * 1024,
  /** apiserver MaxRequestBodyBytes: the largest request body it reads. */
  requestBytes: 3 * 1024 * 1024,
  /** apimachinery TotalAnnotationSizeLimitB. */
  annotationBytes: 256 * 1024,
} as const;

const LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_LABEL = new RegExp(`^${LABEL}$`);
const DNS1123_SUBDOMAIN = new RegExp(`^${LABEL}(\\.${LABEL})*$`);
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** A name or key as quoted in a message: at most 80 characters of it. */
const q = (s: string) => `"${s.length > 80 ? `${s.slice(0, 80)}…` : s}"`;
const kib = (n: number) => (n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(2)} MiB` : `${(n / 1024).toFixed(1)} KiB`);
/** A value Flux substitutes later (`${var}` left as written when its value lives in the cluster): not judged. */
const unresolved = (v: string) => v.includes('${');

/** Why `name` is not a DNS-1123 subdomain / label / DNS-1035 label, or undefined. */
function dnsProblem(name: string, kind: 'subdomain' | 'label'): string | undefined {
  if (kind === 'subdomain') {
    if (name.length > 253) return `is ${name.length} characters: a DNS-1123 subdomain has at most 253`;
    if (!DNS1123_SUBDOMAIN.test(name)) return 'is not a DNS-1123 subdomain (lower-case letters, digits, "-" and ".", alphanumeric at both ends)';
    return undefined;
  }
  if (name.length > 63) return `is ${name.length} characters: a DNS-1123 label has at most 63`;
  if (!DNS1123_LABEL.test(name)) return 'is not a DNS-1123 label (lower-case letters, digits and "-", alphanumeric at both ends, no ".")';
  return undefined;
}

/** Why a label or annotation key is not a qualified name, or undefined. */
export function qualifiedNameProblem(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (key.split('/').length > 2) return 'has more than one "/"';
  if (prefix !== undefined) {
    if (!prefix) return 'has an empty prefix before "/"';
    if (prefix.length > 253) return `has a prefix of ${prefix.length} characters: at most 253`;
    if (!DNS1123_SUBDOMAIN.test(prefix)) return 'has a prefix that is not a DNS-1123 subdomain';
  }
  if (!name) return 'has an empty name';
  if (name.length > 63) return `has a name part of ${name.length} characters: at most 63`;
  if (!QUALIFIED_NAME.test(name)) return 'has a name part that is not alphanumeric at both ends with only "-", "_" and "." inside';
  return undefined;
}

/** Why a label value is refused, or undefined. */
export function labelValueProblem(value: string): string | undefined {
  if (value.length > 63) return `is ${value.length} characters: a label value has at most 63`;
  if (!LABEL_VALUE.test(value)) return 'is not a label value (empty, or alphanumeric at both ends with only "-", "_" and "." inside)';
  return undefined;
}

/** The name rule the API server applies to `kind` (group-qualified where kinds share a name). */
function nameRule(apiVersion: string, kind: string): 'subdomain' | 'label' | 'segment' {
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  if (group === 'rbac.authorization.k8s.io' || group === 'flowcontrol.apiserver.k8s.io') return 'segment';
  if (group === '' && kind === 'Namespace') return 'label';
  // Service names were DNS-1035 labels (starting with a letter) until Kubernetes 1.36 made them
  // DNS-1123 labels (KEP-5311, GA in 1.37, the pinned API server: it accepts "1web").
  if (group === '' && kind === 'Service') return 'label';
  if (group === 'apps' && kind === 'StatefulSet') return 'label';
  return 'subdomain';
}

const bytes = (v: unknown) => Buffer.byteLength(typeof v === 'string' ? v : String(v ?? ''), 'utf8');
const decoded = (v: unknown) => Buffer.byteLength(typeof v === 'string' ? v.replace(/\s+/g, '') : '', 'base64');
const entries = (v: unknown): [string, unknown][] => (v && typeof v === 'object' && !Array.isArray(v) ? Object.entries(v as Record<string, unknown>) : []);

/** Bytes the API server counts against MaxSecretSize, for a ConfigMap or Secret. */
export function dataBytes(o: ManifestObject): { total: number; field: string } | undefined {
  if (o.apiVersion !== 'v1') return undefined;
  if (o.kind === 'ConfigMap') {
    const total = entries(o.data).reduce((n, [, v]) => n + bytes(v), 0) + entries(o.binaryData).reduce((n, [, v]) => n + decoded(v), 0);
    return { total, field: o.data ? 'data' : 'binaryData' };
  }
  if (o.kind === 'Secret') {
    // stringData is merged into data (its keys win) before validation.
    const merged = new Map<string, number>(entries(o.data).map(([k, v]) => [k, decoded(v)]));
    for (const [k, v] of entries(o.stringData)) merged.set(k, bytes(v));
    return { total: [...merged.values()].reduce((a, b) => a + b, 0), field: o.data ? 'data' : 'stringData' };
  }
  return undefined;
}

/**
 * Bytes of the object as JSON (what a server-side apply sends). Only computed when the YAML it
 * came from could be that large: JSON is never more than ~6× the YAML text (escapes), so small
 * objects (all but the largest CRDs) are not serialised at all.
 */
export function jsonBytes(ro: RenderedObject): number | undefined {
  const text = rawYaml(ro) ?? documentText(ro.object);
  if (text !== undefined && text.length * 6 < API_LIMITS.objectBytes) return undefined;
  return Buffer.byteLength(JSON.stringify(ro.object));
}

const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'ReplicationController', 'PodTemplate']);

/** Every metadata block of an object the API server validates as ObjectMeta: its own and its pod/job/claim templates'. */
function metadatas(o: ManifestObject): { path: (string | number)[]; meta: Record<string, unknown> }[] {
  const out: { path: (string | number)[]; meta: Record<string, unknown> }[] = [];
  const add = (path: (string | number)[], m: unknown) => {
    if (m && typeof m === 'object' && !Array.isArray(m)) out.push({ path, meta: m as Record<string, unknown> });
  };
  add(['metadata'], o.metadata);
  const kind = o.kind ?? '';
  if (!WORKLOADS.has(kind) && kind !== 'CronJob') return out;
  const spec = (o.spec ?? {}) as Record<string, any>;
  if (kind === 'CronJob') add(['spec', 'jobTemplate', 'spec', 'template', 'metadata'], spec.jobTemplate?.spec?.template?.metadata);
  else if (kind === 'PodTemplate') add(['template', 'metadata'], (o as any).template?.metadata);
  else add(['spec', 'template', 'metadata'], spec.template?.metadata);
  if (Array.isArray(spec.volumeClaimTemplates)) spec.volumeClaimTemplates.forEach((t: any, i: number) => add(['spec', 'volumeClaimTemplates', i, 'metadata'], t?.metadata));
  return out;
}

function checkMeta(ro: RenderedObject, path: (string | number)[], meta: Record<string, unknown>, what: string, emit: Emit): void {
  for (const [k, v] of entries(meta.labels)) {
    const value = String(v ?? '');
    if (unresolved(k) || unresolved(value)) continue;
    const kp = qualifiedNameProblem(k);
    if (kp) emit('INP004', ro, `${what}label key ${q(k)} ${kp}`, [...path, 'labels', k]);
    const vp = labelValueProblem(value);
    if (vp) emit('INP004', ro, `${what}label ${q(k)}: value ${vp}`, [...path, 'labels', k]);
  }
  let annotationBytes = 0;
  for (const [k, v] of entries(meta.annotations)) {
    annotationBytes += bytes(k) + bytes(v);
    if (unresolved(k)) continue;
    // ValidateAnnotations checks the lower-cased key.
    const kp = qualifiedNameProblem(k.toLowerCase());
    if (kp) emit('INP004', ro, `${what}annotation key ${q(k)} ${kp}`, [...path, 'annotations', k]);
  }
  if (annotationBytes > API_LIMITS.annotationBytes) {
    emit('INP004', ro, `${what}annotations total ${kib(annotationBytes)} (${annotationBytes} bytes): the API server allows at most ${kib(API_LIMITS.annotationBytes)} (${API_LIMITS.annotationBytes} bytes, keys and values together)`, [...path, 'annotations']);
  }
}

/** INP003 and INP004 over every object Flux applies. */
export const apiLimitChecks: Check = (view, emit) => {
  for (const ro of view.objects) {
    const o = ro.object;
    const kind = typeof o.kind === 'string' ? o.kind : '';
    const apiVersion = typeof o.apiVersion === 'string' ? o.apiVersion : '';
    const label = `${kind} ${q(String(o.metadata?.name ?? '?'))}`;

    const data = dataBytes(o);
    if (data && data.total > API_LIMITS.dataBytes) {
      emit('INP003', ro, `${label} holds ${kib(data.total)} (${data.total} bytes) of ${kind === 'Secret' ? 'data' : 'data and binaryData'}: the API server refuses a ${kind} over ${kib(API_LIMITS.dataBytes)} (${API_LIMITS.dataBytes} bytes, MaxSecretSize)`, [data.field]);
    } else {
      const size = jsonBytes(ro);
      if (size !== undefined && size > API_LIMITS.objectBytes) {
        const limit = size > API_LIMITS.requestBytes ? `the API server reads at most ${kib(API_LIMITS.requestBytes)} per request (MaxRequestBodyBytes)` : `etcd stores at most ${kib(API_LIMITS.objectBytes)} per object by default (--max-request-bytes ${API_LIMITS.objectBytes})`;
        emit('INP003', ro, `${label} is ${kib(size)} (${size} bytes) as JSON: ${limit}`);
      }
    }

    const name = o.metadata?.name;
    if (typeof name === 'string' && name && !unresolved(name)) {
      const rule = nameRule(apiVersion, kind);
      let why: string | undefined;
      if (rule === 'segment') why = name === '.' || name === '..' ? 'may not be "." or ".."' : /[/%]/.test(name) ? 'may not contain "/" or "%"' : undefined;
      else why = dnsProblem(name, rule);
      if (!why && kind === 'CronJob' && apiVersion.startsWith('batch/') && name.length > 52) why = `is ${name.length} characters: a CronJob name has at most 52 (its Jobs append 11)`;
      if (why) emit('INP004', ro, `${kind} name ${q(name)} ${why}`, ['metadata', 'name']);
    }
    const ns = o.metadata?.namespace;
    if (typeof ns === 'string' && ns && !unresolved(ns)) {
      const why = dnsProblem(ns, 'label');
      if (why) emit('INP004', ro, `${label}: namespace ${q(ns)} ${why}`, ['metadata', 'namespace']);
    }
    for (const m of metadatas(o)) checkMeta(ro, m.path, m.meta, m.path.length > 1 ? `${label}: ${m.path.slice(0, -1).join('.')} ` : `${label}: `, emit);
  }
};
