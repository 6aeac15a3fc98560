import type { K8sObject } from '@carbon/manifests';

export type { K8sObject };

/** One cluster's rendering: Flux Kustomization (service) name → the objects it applies. */
export type ServiceObjects = Map<string, K8sObject[]>;

/** group/kind/namespace/name. The apiVersion's version is not part of identity (v1beta1 → v1 is a change, not a rename). */
export interface ResourceId {
  group: string;
  kind: string;
  namespace: string;
  name: string;
}

/** A value as it may be shown: scalars, or a masked stand-in; never a secret value. */
export type ShownValue = string | number | boolean | null | ShownValue[] | { [k: string]: ShownValue };

export interface FieldChange {
  /** Dotted path with keyed list segments, e.g. `spec.template.spec.containers[name=app].image`. */
  path: string;
  op: 'added' | 'removed' | 'changed';
  before?: ShownValue;
  after?: ShownValue;
  /** Set when an identical change on several resources was collapsed into one repeated-change line. */
  repeated?: string;
}

export type ResourceChangeKind = 'added' | 'removed' | 'changed' | 'renamed' | 'moved';

export interface ResourceChange {
  change: ResourceChangeKind;
  id: ResourceId;
  /** `kind namespace/name` for display. */
  ref: string;
  /** Flux Kustomization the resource belongs to (on head; on base for removals). */
  service: string;
  /** renamed: the old identity; moved: the old service. */
  from?: { id?: ResourceId; ref?: string; service?: string; similarity?: number };
  fields: FieldChange[];
}

export type RiskCategory =
  | 'prune'
  | 'data-at-risk'
  | 'immutable-field'
  | 'image'
  | 'replicas-reduced'
  | 'resources-reduced'
  | 'rbac-widened'
  | 'network-policy-loosened'
  | 'public-exposure'
  | 'crd'
  | 'capacity'
  | 'privilege'
  | 'credentials'
  | 'observability'
  | 'helm-release';

export type RiskLevel = 'high' | 'medium' | 'info';

export interface Risk {
  level: RiskLevel;
  category: RiskCategory;
  service: string;
  ref: string;
  /** What changes, e.g. `runAsUser 1000 → 0`. */
  message: string;
  /** Why it matters, in one sentence (what can go wrong, what to check). */
  reason: string;
}

export interface RepeatedChange {
  /** e.g. `image tag 455 → 461` or `label app.kubernetes.io/version: 1 → 2`. */
  description: string;
  count: number;
  refs: string[];
}

export interface ServiceSummary {
  service: string;
  added: number;
  changed: number;
  removed: number;
  renamed: number;
  moved: number;
  risks: number;
  highRisks: number;
}

export interface Headroom {
  cpuMillicores: { requested: number; allocatable: number };
  memoryBytes: { requested: number; allocatable: number };
}

export interface CapacityChange {
  before: Headroom;
  after: Headroom;
  /** Where the figures come from: the validate capacity model, or a plain sum of requests. */
  model: string;
}

/**
 * on-merge: applies when the PR merges; promotion: a PR that moves pins; pending-promotion: this
 * change as a pinned cluster receives it when promoted (base promoted → head promoted); backlog:
 * what is on the base branch but not yet promoted (pins → base promoted), not the PR's doing.
 */
export type SectionKind = 'on-merge' | 'pending-promotion' | 'promotion' | 'backlog';

export interface SectionReport {
  cluster: string;
  kind: SectionKind;
  /** One line saying what is compared, e.g. "base 1a2b3c → head 4d5e6f" or "production pins → head". */
  title: string;
  services: ServiceSummary[];
  resources: ResourceChange[];
  repeated: RepeatedChange[];
  risks: Risk[];
  capacity?: CapacityChange;
}

export interface DiffReport {
  schemaVersion: 1;
  base: { ref: string; commit: string };
  head: { ref: string; commit: string };
  sections: SectionReport[];
  totals: { added: number; changed: number; removed: number; renamed: number; moved: number; risks: number; highRisks: number };
  /** Problems that did not stop the diff (e.g. a pinned commit that could not be rendered). */
  warnings: string[];
}
