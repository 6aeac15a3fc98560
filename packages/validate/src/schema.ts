import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, sep } from 'node:path';
import { isSopsEncrypted, rawYaml, sha256, type RenderCache, type RenderedObject } from '@carbon/render';
import { CONVERTER_VERSION, crdToSchemas, exec, ExecError, runConfined, SchemaConversionError, schemaLocations, schemasDir, type Crd, type Runner } from '@carbon/toolchain';
import type { Emit } from './types.ts';

type KcResource = { filename: string; kind: string; name: string; version: string; status: string; msg: string; validationErrors?: { path: string; msg: string }[] };

/** Secret values never leave this process, not even to kubeconform: they are replaced by a same-shaped placeholder. */
export function redactSecret(o: Record<string, any>): Record<string, any> {
  if (o.kind !== 'Secret') return o;
  const out = { ...o };
  // The SOPS stanza (key groups, MAC) is not part of the object the API server receives.
  delete out.sops;
  if (o.data && typeof o.data === 'object') out.data = Object.fromEntries(Object.keys(o.data).map((k) => [k, 'cmVkYWN0ZWQ=']));
  if (o.stringData && typeof o.stringData === 'object') out.stringData = Object.fromEntries(Object.keys(o.stringData).map((k) => [k, 'redacted']));
  return out;
}

/** A SOPS-encrypted object as kustomize-controller applies it (decrypted): without the `sops` stanza. */
function withoutSops(o: Record<string, any>): Record<string, any> {
  const { sops: _sops, ...rest } = o;
  return rest;
}

/** Raised when what a cached kubeconform verdict holds, or how its key is made, changes. */
const SCHEMA_CACHE_VERSION = 'kubeconform-verdict/1';

const CRD_LAYOUT = join('{{ .Group }}', '{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json');

/**
 * Every CustomResourceDefinition among `objects` converted (by the toolchain's converter) into
 * kubeconform's CRD layout (file name → JSON text): the repository's own CRDs describe its custom
 * resources, whatever the pinned set holds. A CRD that cannot be converted is a KCF001 on it.
 * Written to disk only when kubeconform runs (writeSchemas).
 */
function repoCrdSchemas(objects: RenderedObject[], emit: Emit): Map<string, string> {
  const out = new Map<string, string>();
  for (const ro of objects.filter(isV1Crd)) {
    try {
      for (const f of crdToSchemas(ro.object as unknown as Crd)) out.set(f.fileName, JSON.stringify(f.schema));
    } catch (e) {
      if (e instanceof SchemaConversionError) emit('KCF001', ro, crdError(e.message), ['spec', 'versions']);
      else throw e;
    }
  }
  return out;
}

/** A CRD by its top-level fields only (no parse of its spec, 95% of a rendering's bytes); isV1Crd decides. */
const maybeV1Crd = (ro: RenderedObject): boolean => ro.object.kind === 'CustomResourceDefinition' && ro.object.apiVersion === 'apiextensions.k8s.io/v1';

const isV1Crd = (ro: RenderedObject): boolean => {
  const o = ro.object as Record<string, any>;
  return o.kind === 'CustomResourceDefinition' && o.apiVersion === 'apiextensions.k8s.io/v1' && Boolean(o.spec?.group) && Boolean(o.spec?.names?.kind) && Array.isArray(o.spec?.versions);
};
/** `group/Kind` of an object (the core group is ''), as a CRD names what it defines. */
const typeOf = (o: Record<string, any>): string => `${typeof o.apiVersion === 'string' && o.apiVersion.includes('/') ? o.apiVersion.slice(0, o.apiVersion.lastIndexOf('/')) : ''}/${String(o.kind)}`;
const crdError = (message: string) => `CRD schema cannot be used: ${message}`;

/** Raised when how a CRD's conversion summary is keyed or what it holds changes. */
const CRD_SUMMARY_VERSION = 'crd-conversion/2';

/**
 * The schema files the repository's CRDs convert to, as file name → SHA-256 of the JSON (what the
 * verdict key needs), with conversion errors emitted as KCF001. With a cache, each CRD's summary is
 * kept by its text and the converter version, so a warm run converts nothing; the files themselves
 * are converted (again) only when kubeconform has something to check (repoCrdSchemas).
 */
/**
 * `objects`: candidates (maybeV1Crd). Returns the schema hashes and each usable CRD with the
 * `group/Kind` it defines. The summary also records whether the object is a usable v1 CRD and what
 * it defines, so a warm run parses no CRD at all.
 */
function crdSchemaHashes(objects: RenderedObject[], emit: Emit, cache: RenderCache | undefined): { hashes: Map<string, string>; crds: Map<RenderedObject, string> } {
  if (!cache) {
    const crds = objects.filter(isV1Crd);
    return { hashes: new Map([...repoCrdSchemas(crds, emit)].map(([n, t]) => [n, sha256(t)])), crds: new Map(crds.map((c) => [c, crdType(c)])) };
  }
  const out = new Map<string, string>();
  const crds = new Map<RenderedObject, string>();
  for (const ro of objects) {
    const key = sha256(`${CRD_SUMMARY_VERSION}\n${CONVERTER_VERSION}\n${rawYaml(ro) ?? JSON.stringify(ro.object)}`);
    let summary: { files: [string, string][]; error?: string; type: string | null } | undefined;
    try {
      const stored = cache.getResult(key);
      summary = stored === undefined ? undefined : JSON.parse(stored);
    } catch {
      summary = undefined;
    }
    if (!summary || !Array.isArray(summary.files) || summary.type === undefined) {
      const errors: string[] = [];
      const usable = isV1Crd(ro);
      const files = usable ? repoCrdSchemas([ro], (_id, _at, message) => errors.push(message)) : new Map<string, string>();
      summary = { files: [...files].map(([n, t]) => [n, sha256(t)]), ...(errors.length ? { error: errors[0]! } : {}), type: usable ? crdType(ro) : null };
      cache.putResult(key, JSON.stringify(summary));
    }
    if (summary.type === null) continue;
    crds.set(ro, summary.type);
    for (const [n, h] of summary.files) out.set(n, h);
    if (summary.error) emit('KCF001', ro, summary.error, ['spec', 'versions']);
  }
  return { hashes: out, crds };
}

/** `group/Kind` a CRD defines. */
const crdType = (ro: RenderedObject): string => {
  const spec = (ro.object as Record<string, any>).spec;
  return `${String(spec.group)}/${String(spec.names.kind)}`;
};

function writeSchemas(schemas: Map<string, string>, dir: string): void {
  for (const [name, text] of schemas) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
}

/** A digest of the schema files `writeSchemas` would write (name → SHA-256), without writing them. */
function schemasDigest(hashes: Map<string, string>): string {
  if (!hashes.size) return '';
  return sha256([...hashes].map(([name, h]) => `/${name.split(sep).join('/')} ${h}`).sort().join('\n'));
}

export type SchemaOptions = {
  /** Absolute folders in kubeconform's CRD layout consulted before the pinned schemas (platform/policy.yaml `schemas`). */
  extraFolders?: string[];
  /** CRDs of the cluster that are not among `objects` (a changed-only run): their schemas still apply. */
  extraCrds?: RenderedObject[];
  /**
   * Verdicts kept by content: the key is the object's text plus kubeconform's binary, the pinned
   * schema set (.tools/schemas/stamp.json) and every CRD schema and extra folder in use, so an
   * object is only sent to kubeconform when it or a schema it could meet changed.
   */
  cache?: RenderCache;
};

type Verdict = { status: string; msg?: string; validationErrors?: { path: string; msg: string }[] };

/** Hash of every file under `dir` (names and contents), '' when it does not exist. */
export function folderDigest(dir: string): string {
  if (!existsSync(dir)) return '';
  const lines: string[] = [];
  const walk = (d: string, shown: string) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (e.isDirectory()) walk(join(d, e.name), `${shown}/${e.name}`);
      else lines.push(`${shown}/${e.name} ${sha256(readFileSync(join(d, e.name)))}`);
    }
  };
  walk(dir, '');
  return sha256(lines.join('\n'));
}

/**
 * Validates every object with one kubeconform process: each object is written to its own file
 * (so a result names the object exactly) and kubeconform walks the folder with its own workers.
 * Schemas are looked up in order: CRDs found in `objects`, `extraFolders`, then the pinned set.
 * With a cache, objects whose verdict is known are not sent at all (no process when none is new).
 */
/** RLIMIT_DATA for kubeconform (runConfined). */
export const KUBECONFORM_MEMORY_BYTES = 768 * 1024 * 1024;

export async function schemaCheck(kubeconform: string, toolsRoot: string, objects: RenderedObject[], emit: Emit, runner: Runner = exec, options: SchemaOptions = {}): Promise<void> {
  if (!objects.length) return;
  const dir = mkdtempSync(join(tmpdir(), 'carbon-kubeconform-'));
  try {
    const crdDir = join(dir, 'crd-schemas');
    const { hashes: crdHashes, crds } = crdSchemaHashes([...objects, ...(options.extraCrds ?? [])].filter(maybeV1Crd), emit, options.cache);
    const own = crdHashes.size ? [join(crdDir, CRD_LAYOUT)] : [];
    const extra = (options.extraFolders ?? []).map((f) => join(f, CRD_LAYOUT));
    const manifests = join(dir, 'objects');
    mkdirSync(manifests);
    // kustomize's own text when we have it (no re-serialisation); Secrets always go through redaction.
    const texts = objects.map((ro) => {
      const sops = isSopsEncrypted(ro.object);
      const raw = ro.object.kind === 'Secret' || sops ? undefined : rawYaml(ro);
      const object = sops ? withoutSops(ro.object as Record<string, any>) : (ro.object as Record<string, any>);
      // JSON, not YAML: a re-serialised "yes" or "on" must stay a string for kubeconform's YAML 1.1 reader.
      return raw ?? JSON.stringify(redactSecret(object));
    });
    const flags = ['-strict', '-summary', '-output', 'json', '-n', '2'];
    const cache = options.cache;
    let keys: string[] = [];
    if (cache) {
      const stamp = join(schemasDir(toolsRoot), 'stamp.json');
      const set = sha256([SCHEMA_CACHE_VERSION, cache.toolId(kubeconform), existsSync(stamp) ? readFileSync(stamp, 'utf8') : 'no stamp', schemasDigest(crdHashes), ...(options.extraFolders ?? []).map(folderDigest), flags.join(' ')].join('\n'));
      keys = texts.map((t) => sha256(`${set}\n${t}`));
    }
    const verdicts: (Verdict | undefined)[] = keys.map((k) => {
      const v = cache?.getResult(k);
      if (v === undefined) return undefined;
      try {
        return JSON.parse(v) as Verdict;
      } catch {
        return undefined;
      }
    });
    const todo = objects.map((_, i) => i).filter((i) => !verdicts[i]);
    for (const i of todo) writeFileSync(join(manifests, `${i}.yaml`), texts[i]!, { mode: 0o600 });
    if (todo.length) {
      // Only the CRDs kubeconform can look up for what it checks: a schema file is found by the object's group and kind
      // (CRD_LAYOUT), so the others are never read; converting every CRD of the repository cost most of a changed-only check.
      const wanted = new Set(todo.map((i) => typeOf(objects[i]!.object as Record<string, any>)));
      mkdirSync(crdDir, { recursive: true });
      writeSchemas(repoCrdSchemas([...crds].filter(([, type]) => wanted.has(type)).map(([c]) => c), () => undefined), crdDir); // errors were emitted above
      const locations = [...own, ...extra, ...schemaLocations(toolsRoot)];
      const args = [...flags, ...locations.flatMap((l) => ['-schema-location', l]), manifests];
      // Confined like kustomize (own network namespace, memory and time ceilings, output cap): its
      // schema locations are local folders only, so it never needs the network; it reads the rendered
      // objects (already bounded by the render's limits). 768 MiB: this repository peaks at 110 MiB RSS.
      const res = await runConfined(kubeconform, args, { timeoutMs: 300_000, memoryBytes: KUBECONFORM_MEMORY_BYTES }, runner);
      if (res.limit) throw new ExecError(kubeconform, args, { ...res, stderr: `kubeconform stopped at its ${res.limit} ceiling (${res.limit === 'memory' ? `${KUBECONFORM_MEMORY_BYTES / 1024 / 1024} MiB` : res.limit === 'time' ? '300 s' : 'output cap'})` });
      let parsed: { resources?: KcResource[] };
      try {
        parsed = JSON.parse(res.stdout) as { resources?: KcResource[] };
      } catch {
        throw new ExecError(kubeconform, args, res);
      }
      const fresh = new Map<number, Verdict>();
      for (const r of parsed.resources ?? []) {
        const idx = Number(/(\d+)\.yaml$/.exec(r.filename)?.[1]);
        if (!objects[idx] || fresh.has(idx)) continue;
        fresh.set(idx, { status: r.status, msg: r.msg.replace(manifests, ''), ...(r.validationErrors ? { validationErrors: r.validationErrors } : {}) });
      }
      for (const i of todo) {
        // kubeconform lists only what is not valid; an object it does not list passed.
        const v = fresh.get(i) ?? { status: 'statusValid' };
        verdicts[i] = v;
        // A message that may name the temporary file (a parse error) is not kept.
        const keep = v.status === 'statusValid' || (v.status === 'statusInvalid' && v.validationErrors?.length) || (v.status === 'statusError' && /could not find schema/i.test(v.msg ?? ''));
        if (cache && keep) cache.putResult(keys[i]!, JSON.stringify(v));
      }
    }
    objects.forEach((ro, i) => {
      const r = verdicts[i]!;
      if (r.status === 'statusError' && /could not find schema/i.test(r.msg ?? '')) {
        emit('KCF002', ro, `no schema for ${ro.object.apiVersion}/${ro.object.kind}: kubeconform cannot check it`, ['kind']);
      } else if (r.status === 'statusInvalid' && r.validationErrors?.length) {
        for (const v of r.validationErrors) {
          const path: (string | number)[] = v.path.split('/').filter(Boolean).map((p) => (/^\d+$/.test(p) ? Number(p) : p));
          const extra = /additional properties '([^']+)'/.exec(v.msg)?.[1];
          if (extra) path.push(extra);
          emit('KCF001', ro, `${v.path || '/'}: ${v.msg}`, path);
        }
      } else if (r.status === 'statusInvalid' || r.status === 'statusError') {
        emit('KCF001', ro, (r.msg ?? '').slice(0, 300), []);
      }
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
