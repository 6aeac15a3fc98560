import { parse, parseDocument, stringify } from 'yaml';

/**
 * The two files a promotion changes: clusters/<target>/pins.yaml (which commit each service runs
 * at) and clusters/<target>/promotions.log.yaml, the append-only audit trail. Both are plain text
 * transforms so they run on `git show` output as well as on a work tree.
 */

export const pinsPath = (cluster: string) => `clusters/${cluster}/pins.yaml`;
export const logPath = (cluster: string) => `clusters/${cluster}/promotions.log.yaml`;

const SHA = /^[0-9a-f]{40}$/;

export function readPin(pinsText: string | undefined, service: string): string | undefined {
  if (!pinsText) return undefined;
  const raw = parse(pinsText) as { pins?: Record<string, { commit?: unknown }> } | null;
  const commit = raw?.pins?.[service]?.commit;
  return typeof commit === 'string' && SHA.test(commit) ? commit : undefined;
}

/** Moves one pin; keeps comments and every other pin as they are. */
export function writePin(pinsText: string | undefined, service: string, commit: string, promotedAt: string): string {
  const doc = parseDocument(pinsText ?? 'apiVersion: platform.254carbon.com/v1alpha1\nkind: PromotionPins\npins: {}\n');
  if (!doc.has('pins') || doc.get('pins') === null) doc.set('pins', doc.createNode({}));
  // The previous pin is not stored here: the audit log is the one record of history (previousPin).
  doc.setIn(['pins', service], doc.createNode({ commit, promotedAt }));
  return doc.toString();
}

export type AuditAction = 'promote' | 'rollback';

export interface AuditEntry {
  service: string;
  action: AuditAction;
  from: string | null;
  to: string;
  /** When the promotion commit was made. */
  at: string;
  eventId: string | null;
  eventTime: string | null;
  gates: string[];
  approval: 'not-required' | 'required';
  by: string;
}

const LOG_HEADER = '# Append-only audit trail of multi-node promotions and rollbacks.\n# Written by `platform promote` / `platform rollback`; read with `platform promote --history <service>`.\n';

/** Appends one entry as a YAML list item: the diff of a promotion to this file is pure additions. */
export function appendAudit(logText: string | undefined, entry: AuditEntry): string {
  const existing = logText && logText.trim() !== '' ? (logText.endsWith('\n') ? logText : `${logText}\n`) : LOG_HEADER;
  return existing + stringify([entry], { lineWidth: 0 });
}

export function readAudit(logText: string | undefined): AuditEntry[] {
  if (!logText) return [];
  const raw = parse(logText) as unknown;
  if (!Array.isArray(raw)) return [];
  return raw.filter((e): e is AuditEntry => typeof e === 'object' && e !== null && typeof (e as AuditEntry).service === 'string' && typeof (e as AuditEntry).to === 'string');
}

/** The revision the service ran at before `current`, from the audit trail (or undefined). */
export function previousPin(entries: readonly AuditEntry[], service: string, current: string): string | undefined {
  const last = [...entries].reverse().find((e) => e.service === service && e.to === current);
  return last?.from ?? undefined;
}

export interface Trailers {
  'Promoted-Service': string;
  'Promoted-From': string;
  'Promoted-To': string;
  'Flux-Event-Id': string;
  Gates: string;
}

export function commitMessage(subject: string, trailers: Trailers, extra: Record<string, string> = {}): string {
  const lines = Object.entries({ ...trailers, ...extra }).map(([k, v]) => `${k}: ${v}`);
  return `${subject}\n\n${lines.join('\n')}\n`;
}
