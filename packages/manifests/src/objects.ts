/** L1: the plain shape every generated object has, plus small typed constructors. */

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

export const PART_OF = '254carbon';
export const MANAGED_BY = 'platform-generate';

/** Labels that select a workload's pods. Never change them for an existing workload: selectors are immutable. */
export function selectorLabels(service: string, component: string): Record<string, string> {
  return { 'app.kubernetes.io/name': service, 'app.kubernetes.io/component': component };
}

export function commonLabels(service: string, component?: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': service,
    ...(component ? { 'app.kubernetes.io/component': component } : {}),
    'app.kubernetes.io/part-of': PART_OF,
    'app.kubernetes.io/managed-by': MANAGED_BY,
  };
}

export function obj(apiVersion: string, kind: string, metadata: ObjectMeta, body: Record<string, unknown> = {}): K8sObject {
  return { apiVersion, kind, metadata, ...body };
}

/** group/version/kind/namespace/name: one key per object in a cluster. */
export function objectKey(o: K8sObject): string {
  const group = o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : '';
  return `${group}/${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}
