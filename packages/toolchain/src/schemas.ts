import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { exec, type Runner } from './exec.ts';
import { loadCrds } from './crds.ts';
import { downloadModule } from './gomod.ts';
import { crdToSchemas, swaggerToSchemas, type SchemaFile, type Swagger } from './openapi.ts';
import { toolsDir } from './repo.ts';
import { CRD_SOURCE_NAMES, CRD_SOURCES, KUBERNETES, KUBERNETES_VERSION } from './versions.ts';

/** Bump when the conversion changes, so every checkout rebuilds its schemas. */
export const CONVERTER_VERSION = 1;

export const schemasDir = (root: string): string => join(toolsDir(root), 'schemas');
/** kubeconform's `{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}` for the pinned version and -strict. */
export const CORE_SCHEMA_FOLDER = `v${KUBERNETES_VERSION}-standalone-strict`;
const CRD_SCHEMA_FOLDER = 'crds';
const stampFile = (root: string): string => join(schemasDir(root), 'stamp.json');
const kindsFile = (root: string): string => join(schemasDir(root), 'kinds.json');

export type SchemaStamp = {
  converterVersion: number;
  kubernetes: string;
  crdSources: Record<string, string[]>;
  files: number;
};

export class SchemasMissingError extends Error {
  override readonly name = 'SchemasMissingError';
  constructor(detail: string) {
    super(`offline Kubernetes schemas in .tools/schemas ${detail} — run \`npm run setup\``);
  }
}

/**
 * The `-schema-location` values for kubeconform, in lookup order. Both are kubeconform templates
 * with the Kubernetes version and strictness fixed in the path, so callers need neither
 * `-kubernetes-version` nor a matching `-strict` for the lookup to hit (pass `-strict` anyway).
 */
export function schemaLocations(root: string): string[] {
  const dir = schemasDir(root);
  return [
    join(dir, CORE_SCHEMA_FOLDER, '{{ .ResourceKind }}{{ .KindSuffix }}.json'),
    join(dir, CRD_SCHEMA_FOLDER, '{{ .Group }}', '{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json'),
  ];
}

/** The key `listSchemaKinds` uses: `group/version/kind`, or `version/kind` for the core group (`v1/Service`). */
export const schemaKindKey = (apiVersion: string, kind: string): string => `${apiVersion}/${kind}`;

/** Every `group/version/kind` with a schema, read from the index setup writes (no schema parsing). */
export function listSchemaKinds(root: string): Set<string> {
  if (!existsSync(kindsFile(root))) throw new SchemasMissingError('have not been built');
  return new Set(JSON.parse(readFileSync(kindsFile(root), 'utf8')) as string[]);
}

export function desiredStamp(): Omit<SchemaStamp, 'files'> {
  return {
    converterVersion: CONVERTER_VERSION,
    kubernetes: `${KUBERNETES.module}@${KUBERNETES.version}`,
    crdSources: Object.fromEntries(CRD_SOURCE_NAMES.map((name) => [name, CRD_SOURCES[name].modules.map((m) => `${m.module}@${m.version}`)])),
  };
}

export function readStamp(root: string): SchemaStamp | undefined {
  try {
    return JSON.parse(readFileSync(stampFile(root), 'utf8')) as SchemaStamp;
  } catch {
    return undefined;
  }
}

/** True when the schemas on disk were built from exactly the current pins and converter. */
export function schemasAreFresh(root: string): boolean {
  const stamp = readStamp(root);
  if (!stamp) return false;
  const { files: _files, ...pins } = stamp;
  return JSON.stringify(pins) === JSON.stringify(desiredStamp()) && existsSync(kindsFile(root));
}

export type EnsureSchemasResult = { cached: boolean; files: number; dir: string };
export type EnsureSchemasOptions = { runner?: Runner; log?: (line: string) => void };

/** Builds core + CRD schemas from the pinned sources unless the stamp says they are current. */
export async function ensureSchemas(root: string, options: EnsureSchemasOptions = {}): Promise<EnsureSchemasResult> {
  const dir = schemasDir(root);
  if (schemasAreFresh(root)) return { cached: true, files: readStamp(root)!.files, dir };
  const runner = options.runner ?? exec;
  const log = options.log ?? (() => undefined);

  log(`core schemas: ${KUBERNETES.module}@${KUBERNETES.version} ${KUBERNETES.swaggerPath}`);
  const kubernetesDir = await downloadModule(root, KUBERNETES, runner);
  const swagger = JSON.parse(readFileSync(join(kubernetesDir, KUBERNETES.swaggerPath), 'utf8')) as Swagger;
  const coreFiles = swaggerToSchemas(swagger);

  const crdFiles: SchemaFile[] = [];
  for (const name of CRD_SOURCE_NAMES) {
    const crds = await loadCrds(root, name, { runner });
    const files = crds.flatMap(crdToSchemas);
    log(`CRD schemas: ${name} (${crds.length} CRDs, ${files.length} versions)`);
    crdFiles.push(...files);
  }

  // Build beside the live folder and swap it in, so a concurrent reader never sees half a tree.
  const building = `${dir}.building-${process.pid}`;
  rmSync(building, { recursive: true, force: true });
  writeSchemaFiles(join(building, CORE_SCHEMA_FOLDER), coreFiles);
  writeSchemaFiles(join(building, CRD_SCHEMA_FOLDER), crdFiles);
  const kinds = [...new Set([...coreFiles, ...crdFiles].map((file) => schemaKindKey(file.apiVersion, file.kind)))].sort();
  writeFileSync(join(building, 'kinds.json'), `${JSON.stringify(kinds, null, 1)}\n`);
  const files = coreFiles.length + crdFiles.length;
  const stamp: SchemaStamp = { ...desiredStamp(), files };
  writeFileSync(join(building, 'stamp.json'), `${JSON.stringify(stamp, null, 2)}\n`);
  swapInto(building, dir);
  return { cached: false, files, dir };
}

/**
 * Replaces `live` with `built`. Another setup (or test worker) may be doing the same with an
 * equivalent tree; whichever lands last wins and neither fails.
 */
function swapInto(built: string, live: string): void {
  const retired = `${live}.old-${process.pid}`;
  ignoreCodes(['ENOENT'], () => renameSync(live, retired));
  const placed = ignoreCodes(['ENOTEMPTY', 'EEXIST'], () => renameSync(built, live));
  if (!placed) rmSync(built, { recursive: true, force: true });
  rmSync(retired, { recursive: true, force: true });
}

function ignoreCodes(codes: readonly string[], action: () => void): boolean {
  try {
    action();
    return true;
  } catch (error) {
    if (codes.includes((error as NodeJS.ErrnoException).code ?? '')) return false;
    throw error;
  }
}

function writeSchemaFiles(base: string, files: readonly SchemaFile[]): void {
  for (const file of files) {
    const path = join(base, file.fileName);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, JSON.stringify(file.schema));
  }
}
