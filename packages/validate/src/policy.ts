import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DefinitionErrors, YamlSource, type DefinitionError } from '@carbon/platform';
import { RULE_BY_ID, type Severity } from './rules.ts';
import type { Finding } from './types.ts';

export const POLICY_FILE = 'platform/policy.yaml';

export type PolicyException = {
  check: string;
  cluster?: string;
  namespace?: string;
  kind?: string;
  name?: string;
  /** Glob-free prefix of the file the finding is in (e.g. `apps/promtail/`). */
  file?: string;
  reason: string;
  /** YYYY-MM-DD; after it the exception no longer applies and is itself a finding. */
  expires?: string;
  line?: number;
};

export type PolicyConfig = {
  file?: string;
  checks: Record<string, Severity | 'off'>;
  exceptions: PolicyException[];
  /** Registry every image must come from when the cluster declares none. */
  registry?: string;
  /**
   * Extra JSON schema folders (repo-relative, kubeconform's CRD layout `<group>/<kind>_<version>.json`),
   * consulted after the CRDs the rendering installs and before the pinned schemas.
   */
  schemas?: string[];
};

/** Reads platform/policy.yaml (absent = defaults). Every problem names file:line and the field. */
export function loadPolicy(root: string): PolicyConfig {
  const abs = join(root, POLICY_FILE);
  if (!existsSync(abs)) return { checks: {}, exceptions: [] };
  const src = YamlSource.read(abs, POLICY_FILE);
  const raw = (src.toJS() ?? {}) as Record<string, any>;
  const errors: DefinitionError[] = [];
  const checks: Record<string, Severity | 'off'> = {};
  for (const [id, v] of Object.entries((raw.checks ?? {}) as Record<string, unknown>)) {
    if (!RULE_BY_ID.has(id)) errors.push(src.error(`checks.${id}`, `unknown check "${id}"`, 'see docs/validate.md for the list'));
    else if (!['error', 'warning', 'notice', 'off'].includes(String(v))) errors.push(src.error(`checks.${id}`, `must be error, warning, notice or off (got "${String(v)}")`));
    else checks[id] = v as Severity | 'off';
  }
  const exceptions: PolicyException[] = [];
  ((Array.isArray(raw.exceptions) ? raw.exceptions : []) as any[]).forEach((e, i) => {
    const at = `exceptions.${i}`;
    if (!RULE_BY_ID.has(e?.check)) errors.push(src.error(`${at}.check`, `unknown check "${e?.check}"`));
    if (typeof e?.reason !== 'string' || e.reason.trim().length < 5) errors.push(src.error(`${at}.reason`, 'every exception needs a reason', 'say why the finding is acceptable'));
    const expires = e?.expires instanceof Date ? e.expires.toISOString().slice(0, 10) : e?.expires;
    if (expires !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(String(expires))) errors.push(src.error(`${at}.expires`, 'must be a date like 2026-12-31'));
    const line = src.lineOf(at);
    exceptions.push({ ...e, ...(expires !== undefined ? { expires: String(expires) } : {}), ...(line ? { line } : {}) });
  });
  const schemas: string[] = [];
  if (raw.schemas !== undefined) {
    if (!Array.isArray(raw.schemas)) errors.push(src.error('schemas', 'must be a list of folders', 'e.g. schemas: [schemas/crds]'));
    else
      (raw.schemas as unknown[]).forEach((d, i) => {
        const rel = typeof d === 'string' ? d.replace(/\\/g, '/').replace(/^\.\//, '').replace(/\/+$/, '') : '';
        if (!rel || rel.startsWith('/') || rel.split('/').includes('..')) errors.push(src.error(`schemas.${i}`, 'must be a folder inside the repository, relative to its root', 'e.g. schemas/crds'));
        else if (!existsSync(join(root, rel))) errors.push(src.error(`schemas.${i}`, `folder ${rel} does not exist`));
        else schemas.push(rel);
      });
  }
  if (errors.length) throw new DefinitionErrors(errors);
  return { file: POLICY_FILE, checks, exceptions, ...(typeof raw.registry === 'string' ? { registry: raw.registry } : {}), ...(schemas.length ? { schemas } : {}) };
}

function matches(e: PolicyException, f: Finding): boolean {
  if (e.check !== f.id) return false;
  if (e.cluster && e.cluster !== f.cluster) return false;
  if (e.file && !(f.file ?? '').startsWith(e.file)) return false;
  const [kind, rest] = (f.object ?? '').split(' ');
  const [ns, name] = (rest ?? '').includes('/') ? (rest ?? '').split('/') : ['', rest ?? ''];
  if (e.kind && e.kind !== kind) return false;
  if (e.namespace && e.namespace !== ns) return false;
  if (e.name && e.name !== name) return false;
  return true;
}

/** Applies severity overrides and exceptions; an expired exception stops applying and becomes a POL001 finding. */
export function applyPolicy(findings: Finding[], policy: PolicyConfig, today = new Date().toISOString().slice(0, 10)): Finding[] {
  const out: Finding[] = [];
  const expiredUsed = new Set<PolicyException>();
  for (const f of findings) {
    const sev = policy.checks[f.id];
    if (sev === 'off') continue;
    const g = sev ? { ...f, severity: sev } : { ...f };
    const ex = policy.exceptions.find((e) => matches(e, g));
    if (ex && ex.expires && ex.expires < today) {
      expiredUsed.add(ex);
      out.push(g);
    } else if (ex) out.push({ ...g, suppressed: { reason: ex.reason, ...(ex.expires ? { expires: ex.expires } : {}) } });
    else out.push(g);
  }
  for (const e of policy.exceptions) {
    if (!e.expires || e.expires >= today) continue;
    const rule = RULE_BY_ID.get('POL001')!;
    out.push({
      id: 'POL001',
      severity: policy.checks.POL001 && policy.checks.POL001 !== 'off' ? policy.checks.POL001 : rule.severity,
      category: 'policy',
      cluster: e.cluster ?? '*',
      message: `exception for ${e.check}${e.name ? ` on ${e.kind ?? ''} ${e.namespace ? `${e.namespace}/` : ''}${e.name}` : ''} expired on ${e.expires}${expiredUsed.has(e) ? ' (its finding is reported again)' : ''}: "${e.reason}"`,
      hint: rule.hint,
      file: POLICY_FILE,
      ...(e.line ? { line: e.line, column: 1 } : {}),
    });
  }
  return out;
}
