import { createHash } from 'node:crypto';

/**
 * Flux notification-controller's `githubdispatch` request, validated strictly. The payload is
 * untrusted: every structured field must match a narrow pattern, unknown keys are refused, free
 * text is length-bounded and refused when it carries command substitution or markup that could
 * break out of where we quote it. Nothing here runs a process; callers get only validated values.
 */

export type EventOutcome = 'healthy' | 'failure' | 'progress';

export interface PromotionEvent {
  /** Kustomization name = service name (an existing apps/<name>). */
  service: string;
  namespace: string;
  /** 40-hex commit from `metadata.revision` (`main@sha1:<sha>`). */
  revision: string;
  branch: string;
  severity: 'info' | 'error';
  reason: string;
  /** Sanitised, bounded; for display only. */
  message: string;
  /** ISO 8601 UTC. */
  timestamp: string;
  env: string | undefined;
  cluster: string | undefined;
  /** Stable id of this event: a replay has the same id. */
  eventId: string;
  outcome: EventOutcome;
  /** kustomize-controller's "Health check passed in <duration>" event (see HEALTH_CHECK_PASSED). */
  healthCheckPassed: boolean;
}

export class EventError extends Error {
  override readonly name = 'EventError';
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`event ${field || '(root)'}: ${reason}`);
  }
}

export interface EventRules {
  /** Names of existing services (apps/<name>). */
  services: ReadonlySet<string>;
  namespace: string;
  branch: string;
  successReasons: readonly string[];
  now: Date;
}

const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const UID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const API_VERSION = /^kustomize\.toolkit\.fluxcd\.io\/v1(beta[12])?$/;
const RESOURCE_VERSION = /^[0-9]{1,20}$/;
const REASON = /^[A-Za-z]{1,64}$/;
const CONTROLLER = /^kustomize-controller$/;
const INSTANCE = /^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
const META_KEY = /^[A-Za-z0-9]([A-Za-z0-9._/-]{0,126}[A-Za-z0-9])?$/;
const SHA = /^[0-9a-f]{40}$/;
/** Things that mean "execute" to a shell, or end the HTML comment / code fence we quote text in. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what this pattern rejects
const HOSTILE_TEXT = /[`\u0000-\u0008\u000b-\u001f\u007f\u2028\u2029]|\$\(|\$\{|<!--|-->|<\/?script/i;
const MAX_MESSAGE = 4096;
const MAX_META_VALUE = 1024;
const MAX_META_KEYS = 32;
const FUTURE_SKEW_MS = 5 * 60_000;
const REVISION_KEYS = ['revision', 'kustomize.toolkit.fluxcd.io/revision'] as const;

/**
 * The success signal that actually reaches a `githubdispatch` Provider. kustomize-controller's
 * `ReconciliationSucceeded` event ("Reconciliation finished in …") carries the
 * `kustomize.toolkit.fluxcd.io/commit_status: update` metadata, and notification-controller (v1.9)
 * forwards such events only to git commit-status and generic providers: a githubdispatch Provider
 * never receives it (seen in the e2e). What it does receive after a new revision is applied and its
 * health checks (`wait: true`) pass is an info event with reason `Progressing` (the Ready reason at
 * that moment) and this message, Go's duration included. An info event with this exact message is
 * a healthy report for its revision, whatever the reason.
 */
export const HEALTH_CHECK_PASSED = /^Health check passed in (?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$/;

const PAYLOAD_KEYS = new Set(['involvedObject', 'severity', 'timestamp', 'message', 'reason', 'metadata', 'reportingController', 'reportingInstance']);
const OBJECT_KEYS = new Set(['kind', 'namespace', 'name', 'uid', 'apiVersion', 'resourceVersion', 'fieldPath']);
/** A GitHub `repository_dispatch` webhook event (GITHUB_EVENT_PATH) carries these next to `action`/`client_payload`. */
const WEBHOOK_KEYS = new Set(['action', 'client_payload', 'branch', 'repository', 'organization', 'enterprise', 'sender', 'installation']);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function onlyKeys(value: Record<string, unknown>, allowed: ReadonlySet<string>, field: string): void {
  for (const key of Object.keys(value)) {
    if (!allowed.has(key)) throw new EventError(field ? `${field}.${safeKey(key)}` : safeKey(key), `unexpected key; Flux's githubdispatch event has only ${[...allowed].join(', ')}`);
  }
}

/** A key is echoed in messages only after it is reduced to harmless characters. */
function safeKey(key: string): string {
  return key.replace(/[^A-Za-z0-9._/-]/g, '?').slice(0, 64);
}

function str(value: unknown, field: string, pattern: RegExp, what: string): string {
  if (typeof value !== 'string') throw new EventError(field, `must be a string (${what})`);
  if (!pattern.test(value)) throw new EventError(field, `is not ${what}`);
  return value;
}

function freeText(value: unknown, field: string, max: number): string {
  if (typeof value !== 'string') throw new EventError(field, 'must be a string');
  if (value.length > max) throw new EventError(field, `is ${value.length} characters; at most ${max} are accepted`);
  if (HOSTILE_TEXT.test(value)) throw new EventError(field, 'carries control characters, command substitution (`, $( or ${) or comment/script markup; refused');
  return value;
}

/** The Flux request body (`event_type` + `client_payload`) or GitHub's webhook event (`action` + `client_payload`). */
function unwrap(raw: unknown): { eventType: string; payload: unknown } {
  if (!isObject(raw)) throw new EventError('', 'must be a JSON object');
  if ('event_type' in raw) {
    onlyKeys(raw, new Set(['event_type', 'client_payload']), '');
    return { eventType: str(raw.event_type, 'event_type', /^[A-Za-z]{1,64}\/[a-z0-9.-]{1,253}$/, 'Kustomization/<name>.<namespace>'), payload: raw.client_payload };
  }
  if ('action' in raw) {
    onlyKeys(raw, WEBHOOK_KEYS, '');
    return { eventType: str(raw.action, 'action', /^[A-Za-z]{1,64}\/[a-z0-9.-]{1,253}$/, 'Kustomization/<name>.<namespace>'), payload: raw.client_payload };
  }
  throw new EventError('', 'is neither a repository_dispatch request (event_type, client_payload) nor a repository_dispatch webhook event (action, client_payload)');
}

export function eventIdOf(parts: { uid: string; name: string; reason: string; revision: string; timestamp: string; severity: string }): string {
  return createHash('sha256').update([parts.uid, parts.name, parts.severity, parts.reason, parts.revision, parts.timestamp].join('\n')).digest('hex').slice(0, 16);
}

export function parseFluxEvent(raw: unknown, rules: EventRules): PromotionEvent {
  const { eventType, payload } = unwrap(raw);
  if (!isObject(payload)) throw new EventError('client_payload', 'must be an object (the Flux event)');
  onlyKeys(payload, PAYLOAD_KEYS, 'client_payload');

  const object = payload.involvedObject;
  if (!isObject(object)) throw new EventError('client_payload.involvedObject', 'must be an object');
  onlyKeys(object, OBJECT_KEYS, 'client_payload.involvedObject');
  const kind = str(object.kind, 'client_payload.involvedObject.kind', /^Kustomization$/, 'Kustomization (only Flux Kustomization events promote)');
  const name = str(object.name, 'client_payload.involvedObject.name', DNS_LABEL, 'a DNS-1123 label');
  const namespace = str(object.namespace, 'client_payload.involvedObject.namespace', DNS_LABEL, 'a DNS-1123 label');
  if (namespace !== rules.namespace) throw new EventError('client_payload.involvedObject.namespace', `must be "${rules.namespace}" (where the service Kustomizations live)`);
  if (!rules.services.has(name)) throw new EventError('client_payload.involvedObject.name', `"${name}" is not a service of this repository (no apps/${name})`);
  const uid = str(object.uid, 'client_payload.involvedObject.uid', UID, 'a Kubernetes UID');
  str(object.apiVersion, 'client_payload.involvedObject.apiVersion', API_VERSION, 'kustomize.toolkit.fluxcd.io/v1');
  if (object.resourceVersion !== undefined) str(object.resourceVersion, 'client_payload.involvedObject.resourceVersion', RESOURCE_VERSION, 'a resourceVersion');
  if (object.fieldPath !== undefined) str(object.fieldPath, 'client_payload.involvedObject.fieldPath', /^$/, 'empty');
  if (eventType !== `${kind}/${name}.${namespace}`) throw new EventError('event_type', `must be "${kind}/${name}.${namespace}" to match involvedObject`);

  const severity = str(payload.severity, 'client_payload.severity', /^(info|error)$/, 'info or error') as 'info' | 'error';
  const reason = str(payload.reason, 'client_payload.reason', REASON, 'a Flux reason (letters only)');
  const message = freeText(payload.message ?? '', 'client_payload.message', MAX_MESSAGE);
  str(payload.reportingController, 'client_payload.reportingController', CONTROLLER, 'kustomize-controller');
  if (payload.reportingInstance !== undefined) str(payload.reportingInstance, 'client_payload.reportingInstance', INSTANCE, 'a pod name');

  const rawTime = str(payload.timestamp, 'client_payload.timestamp', TIMESTAMP, 'an RFC 3339 time');
  const time = new Date(rawTime);
  if (Number.isNaN(time.getTime())) throw new EventError('client_payload.timestamp', 'is not a valid time');
  if (time.getTime() > rules.now.getTime() + FUTURE_SKEW_MS) throw new EventError('client_payload.timestamp', 'is in the future');

  const metadata = payload.metadata;
  if (!isObject(metadata)) throw new EventError('client_payload.metadata', 'must be an object of strings');
  const keys = Object.keys(metadata);
  if (keys.length > MAX_META_KEYS) throw new EventError('client_payload.metadata', `has ${keys.length} keys; at most ${MAX_META_KEYS}`);
  for (const key of keys) {
    if (!META_KEY.test(key)) throw new EventError(`client_payload.metadata.${safeKey(key)}`, 'is not a valid metadata key');
    freeText(metadata[key], `client_payload.metadata.${key}`, MAX_META_VALUE);
  }
  const revisions = REVISION_KEYS.map((key) => metadata[key]).filter((v): v is string => typeof v === 'string');
  if (revisions.length === 0) throw new EventError('client_payload.metadata.revision', 'is missing');
  if (new Set(revisions).size > 1) throw new EventError('client_payload.metadata.revision', 'disagrees with kustomize.toolkit.fluxcd.io/revision');
  const match = /^([A-Za-z0-9._-]{1,100})@sha1:([0-9a-f]{40})$/.exec(revisions[0]!);
  if (!match) throw new EventError('client_payload.metadata.revision', `must be "${rules.branch}@sha1:<40 hex>"`);
  const [, branch, revision] = match as unknown as [string, string, string];
  if (branch !== rules.branch) throw new EventError('client_payload.metadata.revision', `tracks "${branch}"; only "${rules.branch}" is promoted`);
  if (!SHA.test(revision)) throw new EventError('client_payload.metadata.revision', 'is not a full commit SHA');

  const env = optionalLabel(metadata.env, 'client_payload.metadata.env');
  const cluster = optionalLabel(metadata.cluster, 'client_payload.metadata.cluster');
  const timestamp = time.toISOString();
  const healthCheckPassed = severity === 'info' && HEALTH_CHECK_PASSED.test(message);
  const outcome: EventOutcome = severity === 'error' ? 'failure' : rules.successReasons.includes(reason) || healthCheckPassed ? 'healthy' : 'progress';
  return {
    service: name,
    namespace,
    revision,
    branch,
    severity,
    reason,
    message: message.slice(0, 500),
    timestamp,
    env,
    cluster,
    eventId: eventIdOf({ uid, name, reason, revision, timestamp, severity }),
    outcome,
    healthCheckPassed,
  };
}

function optionalLabel(value: unknown, field: string): string | undefined {
  if (value === undefined) return undefined;
  return str(value, field, DNS_LABEL, 'a DNS-1123 label');
}
