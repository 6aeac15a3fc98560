import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { exec, type Runner } from './exec.ts';
import { downloadModules } from './gomod.ts';
import { CRD_SOURCES, type CrdSourceName } from './versions.ts';

export { CRD_SOURCE_NAMES, CRD_SOURCES, type CrdSourceName } from './versions.ts';

/** The parts of an apiextensions.k8s.io/v1 CustomResourceDefinition this package reads. */
export type CrdVersion = {
  name: string;
  served: boolean;
  storage: boolean;
  schema?: { openAPIV3Schema?: Record<string, unknown> };
  [key: string]: unknown;
};

export type Crd = {
  apiVersion: string;
  kind: 'CustomResourceDefinition';
  metadata: { name: string; [key: string]: unknown };
  spec: {
    group: string;
    names: { kind: string; plural: string; [key: string]: unknown };
    scope: string;
    versions: CrdVersion[];
    [key: string]: unknown;
  };
};

export class CrdSourceError extends Error {
  override readonly name = 'CrdSourceError';
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    detail: string,
  ) {
    super(`${file}${line ? `:${line}` : ''}: ${detail}`);
  }
}

/**
 * How this repo renders the few Helm expressions in chart-templated CRD files (cert-manager's
 * deploy/crds). Only expressions listed here are allowed; anything new fails loudly on a bump.
 */
const HELM_SUBSTITUTIONS: Partial<Record<CrdSourceName, Readonly<Record<string, string>>>> = {
  'cert-manager': {
    '{{ template "cert-manager.name" . }}': 'cert-manager',
    '{{ .Release.Name }}': 'cert-manager',
  },
};

/**
 * Renders a Helm-templated CRD file into plain YAML: template actions that sit in YAML comments
 * (`# START crd {{- if ... }}`, `# Generated labels {{- include ... }}`) are dropped with their
 * comment; listed expressions are substituted; any other `{{` is an error naming the line.
 */
export function renderHelmCrdTemplate(text: string, substitutions: Readonly<Record<string, string>>, file = '<inline>'): string {
  return text
    .split('\n')
    .flatMap((line, index) => {
      if (!line.includes('{{')) return [line];
      if (/^\s*#/.test(line)) return [];
      let rendered = line;
      for (const [expression, value] of Object.entries(substitutions)) rendered = rendered.split(expression).join(value);
      const commentAt = rendered.search(/\s#\s.*\{\{/);
      if (commentAt >= 0) rendered = rendered.slice(0, commentAt);
      if (rendered.includes('{{')) throw new CrdSourceError(file, index + 1, `unhandled Helm template expression: ${line.trim()}`);
      return [rendered];
    })
    .join('\n');
}

/** Parses every CustomResourceDefinition in a YAML stream (other kinds, e.g. kustomization.yaml, are skipped). */
export function parseCrds(text: string, file = '<inline>'): Crd[] {
  const crds: Crd[] = [];
  for (const document of parseAllDocuments(text)) {
    if (document.errors.length > 0) {
      const first = document.errors[0]!;
      throw new CrdSourceError(file, first.linePos?.[0]?.line, first.message);
    }
    const value = document.toJS() as Partial<Crd> | null;
    if (value?.kind !== 'CustomResourceDefinition') continue;
    if (!value.spec?.group || !value.spec.names?.kind || !Array.isArray(value.spec.versions)) {
      throw new CrdSourceError(file, undefined, `CustomResourceDefinition ${value.metadata?.name ?? '?'} lacks spec.group, spec.names.kind or spec.versions`);
    }
    crds.push(value as Crd);
  }
  return crds;
}

export type LoadCrdsOptions = { runner?: Runner };

/**
 * Every CRD a pinned source ships, parsed, from the checksum-verified module zips
 * (downloaded into .tools/gomod on first use).
 */
export async function loadCrds(root: string, sourceName: CrdSourceName, options: LoadCrdsOptions = {}): Promise<Crd[]> {
  const source = CRD_SOURCES[sourceName];
  const dirs = await downloadModules(root, source.modules, options.runner ?? exec);
  const substitutions = HELM_SUBSTITUTIONS[sourceName] ?? {};
  const crds: Crd[] = [];
  for (const pin of source.modules) {
    const moduleDir = dirs.get(`${pin.module}@${pin.version}`)!;
    for (const crdDir of pin.crdDirs) {
      for (const file of yamlFiles(join(moduleDir, crdDir))) {
        const label = `${pin.module}@${pin.version}/${relative(moduleDir, file)}`;
        const raw = readFileSync(file, 'utf8');
        const text = source.helmTemplated ? renderHelmCrdTemplate(raw, substitutions, label) : raw;
        crds.push(...parseCrds(text, label));
      }
    }
  }
  if (crds.length === 0) throw new CrdSourceError(sourceName, undefined, 'no CustomResourceDefinitions found in the pinned module folders');
  return crds;
}

function yamlFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    throw new CrdSourceError(dir, undefined, 'CRD folder is missing from the module (did the project move its CRDs?)');
  }
  return names
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()
    .map((name) => join(dir, name));
}
