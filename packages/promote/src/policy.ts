import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type DefinitionError, DefinitionErrors, YamlSource } from '@carbon/platform';

/** platform/promotion.yaml: promotion gates with defaults and per-service overrides. */

export const POLICY_FILE = 'platform/promotion.yaml';

export type Weekday = 'Mon' | 'Tue' | 'Wed' | 'Thu' | 'Fri' | 'Sat' | 'Sun';
export const WEEKDAYS: readonly Weekday[] = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

export interface FreezeWindow {
  days: Weekday[];
  /** Minutes after local midnight, [from, to). */
  from: number;
  to: number;
  timeZone: string;
  reason: string;
}

export interface ServicePolicy {
  sourceEnv: string;
  successReasons: string[];
  /** Minutes of healthy single-node time before the pin may move. */
  soakMinutes: number;
  approval: boolean;
  freeze: FreezeWindow[];
}

export interface PromotionPolicy {
  sourceCluster: string;
  targetCluster: string;
  branch: string;
  namespace: string;
  defaults: ServicePolicy;
  services: Map<string, Partial<ServicePolicy>>;
}

export const BUILTIN_DEFAULTS: ServicePolicy = {
  sourceEnv: 'single-node',
  successReasons: ['ReconciliationSucceeded'],
  soakMinutes: 30,
  approval: false,
  freeze: [],
};

export function policyFor(policy: PromotionPolicy, service: string): ServicePolicy {
  return { ...policy.defaults, ...(policy.services.get(service) ?? {}) };
}

const DURATION = /^(\d+)(m|h)$/;
const CLOCK = /^([01]\d|2[0-4]):([0-5]\d)$/;

export function loadPolicy(root: string): PromotionPolicy {
  const base: PromotionPolicy = { sourceCluster: 'single-node', targetCluster: 'multi-node', branch: 'main', namespace: 'flux-system', defaults: BUILTIN_DEFAULTS, services: new Map() };
  if (!existsSync(join(root, POLICY_FILE))) return base;
  const src = YamlSource.read(join(root, POLICY_FILE), POLICY_FILE);
  const raw = (src.toJS() ?? {}) as Record<string, unknown>;
  const errors: DefinitionError[] = [];
  if (raw.kind !== 'PromotionPolicy') errors.push(src.error('kind', 'must be PromotionPolicy'));
  for (const key of ['sourceCluster', 'targetCluster', 'branch', 'namespace'] as const) {
    if (raw[key] === undefined) continue;
    if (typeof raw[key] !== 'string' || !/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(raw[key] as string)) errors.push(src.error(key, 'must be a lowercase name'));
    else base[key] = raw[key] as string;
  }
  const defaults = { ...BUILTIN_DEFAULTS, ...readServicePolicy(src, raw.defaults, 'defaults', errors) };
  const services = new Map<string, Partial<ServicePolicy>>();
  const rawServices = raw.services ?? {};
  if (typeof rawServices !== 'object' || Array.isArray(rawServices)) errors.push(src.error('services', 'must be a map of service → overrides'));
  else for (const [name, value] of Object.entries(rawServices as Record<string, unknown>)) services.set(name, readServicePolicy(src, value, `services.${name}`, errors));
  if (errors.length) throw new DefinitionErrors(errors);
  return { ...base, defaults, services };
}

function readServicePolicy(src: YamlSource, raw: unknown, at: string, errors: DefinitionError[]): Partial<ServicePolicy> {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    errors.push(src.error(at, 'must be a map'));
    return {};
  }
  const out: Partial<ServicePolicy> = {};
  const value = raw as Record<string, unknown>;
  const known = new Set(['sourceEnv', 'successReasons', 'soak', 'approval', 'freeze']);
  for (const key of Object.keys(value)) if (!known.has(key)) errors.push(src.error(`${at}.${key}`, `unknown setting; known: ${[...known].join(', ')}`));
  if (value.sourceEnv !== undefined) {
    if (typeof value.sourceEnv === 'string') out.sourceEnv = value.sourceEnv;
    else errors.push(src.error(`${at}.sourceEnv`, 'must be a string'));
  }
  if (value.successReasons !== undefined) {
    if (Array.isArray(value.successReasons) && value.successReasons.every((r) => typeof r === 'string' && /^[A-Za-z]+$/.test(r))) out.successReasons = value.successReasons as string[];
    else errors.push(src.error(`${at}.successReasons`, 'must be a list of Flux reasons, e.g. [ReconciliationSucceeded]'));
  }
  if (value.soak !== undefined) {
    const m = typeof value.soak === 'string' ? DURATION.exec(value.soak) : null;
    if (m) out.soakMinutes = Number(m[1]) * (m[2] === 'h' ? 60 : 1);
    else errors.push(src.error(`${at}.soak`, 'must be a duration like 30m or 2h'));
  }
  if (value.approval !== undefined) {
    if (typeof value.approval === 'boolean') out.approval = value.approval;
    else errors.push(src.error(`${at}.approval`, 'must be true or false'));
  }
  if (value.freeze !== undefined) {
    if (!Array.isArray(value.freeze)) errors.push(src.error(`${at}.freeze`, 'must be a list of windows'));
    else out.freeze = value.freeze.flatMap((w, i) => readWindow(src, w, `${at}.freeze.${i}`, errors));
  }
  return out;
}

function readWindow(src: YamlSource, raw: unknown, at: string, errors: DefinitionError[]): FreezeWindow[] {
  const w = (raw ?? {}) as Record<string, unknown>;
  const before = errors.length;
  const days = Array.isArray(w.days) ? w.days : [];
  if (days.length === 0 || !days.every((d) => WEEKDAYS.includes(d as Weekday))) errors.push(src.error(`${at}.days`, `must list weekdays from ${WEEKDAYS.join(', ')}`));
  const from = typeof w.from === 'string' ? CLOCK.exec(w.from) : null;
  const to = typeof w.to === 'string' ? CLOCK.exec(w.to) : null;
  if (!from) errors.push(src.error(`${at}.from`, 'must be "HH:MM" (quoted)'));
  if (!to) errors.push(src.error(`${at}.to`, 'must be "HH:MM" (quoted), up to "24:00"'));
  const fromMin = from ? Number(from[1]) * 60 + Number(from[2]) : 0;
  const toMin = to ? Number(to[1]) * 60 + Number(to[2]) : 0;
  if (from && to && (fromMin >= toMin || toMin > 1440)) errors.push(src.error(`${at}.to`, 'must be after "from" on the same day; split an overnight window into two'));
  const timeZone = typeof w.timeZone === 'string' ? w.timeZone : '';
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    if (!timeZone) throw new Error();
  } catch {
    errors.push(src.error(`${at}.timeZone`, 'must be an IANA time zone, e.g. Europe/Berlin or UTC'));
  }
  if (errors.length > before) return [];
  return [{ days: days as Weekday[], from: fromMin, to: toMin, timeZone, reason: typeof w.reason === 'string' ? w.reason : 'freeze window' }];
}
