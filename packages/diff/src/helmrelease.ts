import { diffFields } from './fields.ts';
import { showValue } from './format/lines.ts';
import { imageChange } from './image.ts';
import type { K8sObject, ResourceChange, Risk, RiskLevel } from './types.ts';

/**
 * HelmRelease changes in their own terms (issue 10): the chart and its version (from → to), image
 * tags changed inside `values` as image changes, and the values change summarised by path — rather
 * than the changed lines of a values block. A HelmChart a `chartRef` names reads the same way. The
 * objects are the masked ones the engine compares, so a secret-named value never shows.
 */

type Lookup = (change: ResourceChange, side: 'base' | 'head') => K8sObject | undefined;
type Add = (level: RiskLevel, category: 'helm-release' | 'image', message: string, reason?: string) => void;

const HELM_GROUP = 'helm.toolkit.fluxcd.io';
const SOURCE_GROUP = 'source.toolkit.fluxcd.io';
const SHOWN_VALUES = 6;

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const specOf = (o: K8sObject | undefined): Record<string, unknown> => (isObj(o?.spec) ? o.spec : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' || typeof v === 'number' ? String(v) : undefined);

type Chart = { name: string; version: string; from: string };

/** What a HelmRelease installs: `spec.chart.spec` (chart, version, sourceRef) or a `chartRef`. */
function chartOf(o: K8sObject | undefined): Chart | undefined {
  const spec = specOf(o);
  const ns = o?.metadata.namespace ?? '';
  if (isObj(spec.chartRef)) {
    const ref = spec.chartRef;
    return { name: `${str(ref.kind)} ${str(ref.namespace) ?? ns}/${str(ref.name)}`, version: '', from: 'chartRef' };
  }
  const cs = isObj(spec.chart) && isObj(spec.chart.spec) ? spec.chart.spec : undefined;
  if (!cs) return undefined;
  const src = isObj(cs.sourceRef) ? cs.sourceRef : {};
  return { name: str(cs.chart) ?? '?', version: str(cs.version) ?? '*', from: `${str(src.kind)} ${str(src.namespace) ?? ns}/${str(src.name)}` };
}

const major = (v: string): string | undefined => /^v?(\d+)\./.exec(v)?.[1];
const showChart = (c: Chart): string => (c.from === 'chartRef' ? `chartRef ${c.name}` : `chart ${c.name} ${c.version}`);

/** `chart web 1.0.0 → 1.1.0`; a new major version is worth reading the chart's upgrade notes. */
function chartChange(before: Chart | undefined, after: Chart | undefined, add: Add): void {
  if (!before || !after) return;
  if (before.name === after.name && before.from === after.from && before.version !== after.version) {
    const bumped = major(before.version) !== undefined && major(after.version) !== undefined && major(before.version) !== major(after.version);
    add(bumped ? 'medium' : 'info', 'helm-release', `chart ${after.name} ${before.version} → ${after.version}${bumped ? ' (new major version)' : ''}`, bumped ? 'A new major chart version may rename or drop values and objects: read the chart\'s upgrade notes.' : undefined);
  } else if (before.name !== after.name || before.version !== after.version) add('medium', 'helm-release', `${showChart(before)} → ${showChart(after)}`, 'Another chart is another set of objects: helm-controller upgrades the release to what the new chart makes.');
  else if (before.from !== after.from) add('info', 'helm-release', `chart ${after.name} now from ${after.from} (was ${before.from})`);
}

/** A string that reads as an image reference (`repo/name:tag`, `name@sha256:…`). */
const IMAGE_REF = /^(?:[\w.-]+(?::\d+)?\/)*[\w.-]+(?::[\w.-]+|@sha256:[0-9a-f]{64})$/;

/**
 * Images named in values, by path: a string under a key ending in `image` (`image: repo:tag`), or
 * an object with a `repository`/`tag` (helm's common `image: { registry, repository, tag }`; a
 * missing repository is the chart's default, shown as `(chart default)`).
 */
export function imagesInValues(values: unknown, path = 'values', out = new Map<string, string>()): Map<string, string> {
  if (Array.isArray(values)) values.forEach((v, i) => imagesInValues(v, `${path}[${i}]`, out));
  if (!isObj(values)) return out;
  const tag = str(values.tag);
  const digest = str(values.digest);
  const repository = str(values.repository);
  if ((tag || digest) && (repository || /image$/i.test(path.slice(path.lastIndexOf('.') + 1)))) {
    const registry = str(values.registry);
    const repo = `${registry ? `${registry}/` : ''}${repository ?? '(chart default)'}`;
    out.set(path, digest ? `${repo}@${digest}` : `${repo}:${tag}`);
  }
  for (const [k, v] of Object.entries(values)) {
    const p = /^[\w-]+$/.test(k) ? `${path}.${k}` : `${path}[${JSON.stringify(k)}]`;
    if (typeof v === 'string' && /image$/i.test(k) && IMAGE_REF.test(v) && /[:@/]/.test(v)) out.set(p, v);
    else imagesInValues(v, p, out);
  }
  return out;
}

function imageChanges(before: unknown, after: unknown, add: Add): Set<string> {
  const was = imagesInValues(before);
  const now = imagesInValues(after);
  const changed = [...now].filter(([p, image]) => was.has(p) && was.get(p) !== image);
  if (changed.length) add('info', 'image', changed.map(([p, image]) => `${p}: ${imageChange(was.get(p), image)}`).join('; '));
  return new Set([...was.keys(), ...now.keys()]);
}

/** `values: 2 changed (replicas 1 → 2, ingress.enabled false → true), 1 added (resources), 1 removed (debug)`. */
function valuesChange(before: unknown, after: unknown, imagePaths: Set<string>, add: Add): void {
  const under = (p: string) => [...imagePaths].some((i) => p === i || p.startsWith(`${i}.`) || p.startsWith(`${i}[`));
  const fields = diffFields(isObj(before) ? before : {}, isObj(after) ? after : {}).filter((f) => !under(`values.${f.path}`));
  if (!fields.length) return;
  const show = (v: unknown) => showValue(v, 40);
  const groups = (['changed', 'added', 'removed'] as const)
    .map((op) => {
      const fs = fields.filter((f) => f.op === op);
      if (!fs.length) return '';
      const shown = fs.slice(0, SHOWN_VALUES).map((f) => (op === 'changed' ? `${f.path} ${show(f.before)} → ${show(f.after)}` : op === 'added' ? `${f.path} = ${show(f.after)}` : f.path));
      return `${fs.length} ${op} (${shown.join(', ')}${fs.length > SHOWN_VALUES ? `, +${fs.length - SHOWN_VALUES} more` : ''})`;
    })
    .filter(Boolean);
  add('info', 'helm-release', `values: ${groups.join('; ')}`);
}

const valuesFromOf = (o: K8sObject | undefined): string[] =>
  (Array.isArray(specOf(o).valuesFrom) ? (specOf(o).valuesFrom as unknown[]) : []).filter(isObj).map((v) => `${str(v.kind)}/${str(v.name)}${v.valuesKey ? ` key ${str(v.valuesKey)}` : ''}${v.targetPath ? ` → ${str(v.targetPath)}` : ''}${v.optional === true ? ' (optional)' : ''}`);

function releaseChanges(before: K8sObject | undefined, after: K8sObject | undefined, add: Add): void {
  const a = chartOf(after);
  if (!before) {
    if (a) add('info', 'helm-release', `new release: ${showChart(a)}${a.from !== 'chartRef' ? ` from ${a.from}` : ''}`);
    return;
  }
  if (!after) {
    const b = chartOf(before);
    add('medium', 'helm-release', `release removed: helm-controller uninstalls ${b ? showChart(b) : 'it'} and deletes every object it installed`, 'Objects a chart made are not in git: nothing in this diff lists what is deleted with the release.');
    return;
  }
  chartChange(chartOf(before), a, add);
  const sb = specOf(before);
  const sa = specOf(after);
  for (const key of ['releaseName', 'targetNamespace', 'storageNamespace'] as const) {
    if (str(sb[key]) !== str(sa[key])) add('high', 'helm-release', `${key} ${str(sb[key]) ?? '(default)'} → ${str(sa[key]) ?? '(default)'}: a new release`, 'helm-controller installs a new release and the old one stays behind (or is uninstalled): objects are recreated, data on their volumes can be lost.');
  }
  if (sb.suspend !== true && sa.suspend === true) add('medium', 'helm-release', 'suspended: helm-controller stops upgrading and repairing this release', 'A suspended release drifts silently until someone resumes it.');
  const images = imageChanges(sb.values, sa.values, add);
  valuesChange(sb.values, sa.values, images, add);
  const fb = valuesFromOf(before);
  const fa = valuesFromOf(after);
  const gone = fb.filter((x) => !fa.includes(x));
  const fresh = fa.filter((x) => !fb.includes(x));
  if (gone.length || fresh.length) add('info', 'helm-release', `valuesFrom:${fresh.map((x) => ` + ${x}`).join(',')}${gone.length && fresh.length ? ';' : ''}${gone.map((x) => ` − ${x}`).join(',')}`);
}

/** A HelmChart (what a `chartRef: { kind: HelmChart }` installs): its chart and version. */
function helmChartChanges(before: K8sObject | undefined, after: K8sObject | undefined, add: Add): void {
  const sb = specOf(before);
  const sa = specOf(after);
  if (!before || !after) return;
  if (str(sb.chart) !== str(sa.chart)) add('medium', 'helm-release', `HelmChart chart ${str(sb.chart)} → ${str(sa.chart)}`);
  else if (str(sb.version) !== str(sa.version)) add('info', 'helm-release', `chart ${str(sa.chart)} ${str(sb.version) ?? '*'} → ${str(sa.version) ?? '*'} (HelmChart; releases with this chartRef upgrade)`);
}

/** A risk whose reason, when it has none of its own, is its category's (risks.ts). */
export type HelmRisk = Omit<Risk, 'reason'> & { reason?: string };

/** HelmRelease (and HelmChart) changes of a change set, in their own terms. */
export function helmReleaseRisks(resources: ResourceChange[], lookup: Lookup): HelmRisk[] {
  const risks: HelmRisk[] = [];
  for (const r of resources) {
    const release = r.id.kind === 'HelmRelease' && r.id.group === HELM_GROUP;
    const chart = r.id.kind === 'HelmChart' && r.id.group === SOURCE_GROUP;
    if (!release && !chart) continue;
    const before = r.change === 'added' ? undefined : lookup(r, 'base');
    const after = r.change === 'removed' ? undefined : lookup(r, 'head');
    const add: Add = (level, category, message, reason) => risks.push({ level, category, service: r.service, ref: r.ref, message, ...(reason ? { reason } : {}) });
    if (release) releaseChanges(before, after, add);
    else helmChartChanges(before, after, add);
  }
  return risks;
}
