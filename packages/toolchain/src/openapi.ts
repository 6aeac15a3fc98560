/**
 * Pure conversion from Kubernetes OpenAPI (swagger.json definitions, CRD openAPIV3Schema) to the
 * standalone strict JSON schemas kubeconform reads. No I/O here; schemas.ts writes the files.
 */
import type { Crd } from './crds.ts';

export type JsonSchema = { [key: string]: unknown };

export type SchemaFile = {
  /** Path relative to the layout root: `deployment-apps-v1.json` or `cert-manager.io/certificate_v1.json`. */
  fileName: string;
  apiVersion: string;
  kind: string;
  schema: JsonSchema;
};

export type Swagger = { definitions: Record<string, JsonSchema> };

type GroupVersionKind = { group: string; version: string; kind: string };

const INT_OR_STRING: JsonSchema = { oneOf: [{ type: 'string' }, { type: 'integer' }] };
/** resource.Quantity is written as `"500m"` or `2`; the API accepts both. */
const QUANTITY: JsonSchema = { oneOf: [{ type: 'string' }, { type: 'number' }] };
const QUANTITY_DEFINITION = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
const REF_PREFIX = '#/definitions/';

/** kubeconform's `{{ .ResourceKind }}{{ .KindSuffix }}.json`: kind, first label of the group (if any), version. */
export function coreSchemaFileName({ group, version, kind }: GroupVersionKind): string {
  const groupLabel = group ? `-${group.split('.')[0]!.toLowerCase()}` : '';
  return `${kind.toLowerCase()}${groupLabel}-${version.toLowerCase()}.json`;
}

/** kubeconform's `{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json`. */
export function crdSchemaFileName({ group, version, kind }: GroupVersionKind): string {
  return `${group}/${kind.toLowerCase()}_${version}.json`;
}

export const apiVersionOf = ({ group, version }: Pick<GroupVersionKind, 'group' | 'version'>): string => (group ? `${group}/${version}` : version);

export class SchemaConversionError extends Error {
  override readonly name = 'SchemaConversionError';
  constructor(
    readonly where: string,
    detail: string,
  ) {
    super(`${where}: ${detail}`);
  }
}

/**
 * One standalone strict schema per group/version/kind in `x-kubernetes-group-version-kind`:
 * every `$ref` inlined, `additionalProperties: false` on every object that declares properties,
 * int-or-string and Quantity as unions, and `null` allowed for properties (as the API server
 * treats `field: null` as unset, and kubernetes-json-schema allows it).
 */
export function swaggerToSchemas(swagger: Swagger): SchemaFile[] {
  const inliner = new RefInliner(swagger.definitions);
  const files = new Map<string, SchemaFile>();
  for (const [name, definition] of Object.entries(swagger.definitions)) {
    const gvks = definition['x-kubernetes-group-version-kind'];
    if (!Array.isArray(gvks)) continue;
    const expanded = inliner.definition(name);
    for (const gvk of gvks as GroupVersionKind[]) {
      const fileName = coreSchemaFileName(gvk);
      // The same kind/group-label/version can come from two definitions only for meta types
      // (e.g. WatchEvent); the first one wins, as in kubernetes-json-schema.
      if (files.has(fileName)) continue;
      const apiVersion = apiVersionOf(gvk);
      files.set(fileName, { fileName, apiVersion, kind: gvk.kind, schema: pinTypeMeta(expanded, apiVersion, gvk.kind, { nullable: true }) });
    }
  }
  return [...files.values()];
}

/**
 * One strict schema per served version of a CRD, following datreeio/CRDs-catalog's
 * openapi2jsonschema: `additionalProperties: false` where `properties` exist unless
 * `x-kubernetes-preserve-unknown-fields: true`; apiVersion/kind/metadata always accepted at the root.
 */
export function crdToSchemas(crd: Crd): SchemaFile[] {
  const { group, names } = crd.spec;
  return crd.spec.versions
    .filter((version) => version.served !== false)
    .map((version) => {
      const source = version.schema?.openAPIV3Schema;
      const where = `${crd.metadata.name} ${version.name}`;
      if (!source) throw new SchemaConversionError(where, 'served version has no schema.openAPIV3Schema');
      const gvk = { group, version: version.name, kind: names.kind };
      const converted = convertSchema(source, { nullableProperties: false, resolveRef: () => { throw new SchemaConversionError(where, 'CRD schemas cannot contain $ref'); } });
      const apiVersion = apiVersionOf(gvk);
      return { fileName: crdSchemaFileName(gvk), apiVersion, kind: names.kind, schema: pinTypeMeta(converted, apiVersion, names.kind, { nullable: false }) };
    });
}

/** Root `apiVersion`/`kind` fixed to this GVK; `metadata` an object when the source says nothing about it. */
function pinTypeMeta(schema: JsonSchema, apiVersion: string, kind: string, { nullable }: { nullable: boolean }): JsonSchema {
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const type = nullable ? ['string', 'null'] : 'string';
  return {
    ...schema,
    properties: {
      ...properties,
      apiVersion: { ...properties.apiVersion, type, enum: [apiVersion] },
      kind: { ...properties.kind, type, enum: [kind] },
      metadata: properties.metadata ?? { type: 'object' },
    },
  };
}

type ConvertOptions = { nullableProperties: boolean; resolveRef: (ref: string) => JsonSchema };

/** Keywords whose values are schemas (everything else - enum, default, required - is copied as data). */
function convertSchema(node: JsonSchema, options: ConvertOptions): JsonSchema {
  if (typeof node.$ref === 'string') return options.resolveRef(node.$ref);
  if (node.format === 'int-or-string' || (node['x-kubernetes-int-or-string'] === true && !node.anyOf && !node.oneOf)) {
    return withDescription(INT_OR_STRING, node);
  }
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node)) {
    if (key.startsWith('x-kubernetes-') || key === 'nullable') continue;
    if ((key === 'properties' || key === 'patternProperties') && isObject(value)) {
      out[key] = Object.fromEntries(
        Object.entries(value).map(([name, child]) => {
          const converted = convertSchema(child as JsonSchema, options);
          return [name, options.nullableProperties ? allowNull(converted) : converted];
        }),
      );
    } else if ((key === 'additionalProperties' || key === 'items' || key === 'not') && isObject(value)) {
      out[key] = convertSchema(value, options);
    } else if ((key === 'allOf' || key === 'anyOf' || key === 'oneOf' || key === 'items') && Array.isArray(value)) {
      out[key] = value.map((child) => (isObject(child) ? convertSchema(child, options) : child));
    } else {
      out[key] = value;
    }
  }
  if (node.nullable === true) Object.assign(out, allowNull(out));
  if (isObject(out.properties) && !('additionalProperties' in out) && node['x-kubernetes-preserve-unknown-fields'] !== true) {
    out.additionalProperties = false;
  }
  return out;
}

/**
 * Inlines `#/definitions/...` refs. A definition that refers back to one still being expanded
 * (only apiextensions JSONSchemaProps does, through properties/items/allOf...) becomes `{}` at
 * that point: the recursion is cut one level down and accepts anything below it, which is as
 * strict as a finite standalone schema can be.
 */
class RefInliner {
  private readonly memo = new Map<string, JsonSchema>();
  private readonly stack: string[] = [];
  private cuts = 0;

  constructor(private readonly definitions: Record<string, JsonSchema>) {}

  definition(name: string): JsonSchema {
    const cached = this.memo.get(name);
    if (cached) return cached;
    if (this.stack.includes(name)) {
      this.cuts += 1;
      return {};
    }
    if (name === QUANTITY_DEFINITION) return QUANTITY;
    const source = this.definitions[name];
    if (!source) throw new SchemaConversionError(`#/definitions/${name}`, 'referenced but not defined in swagger.json');
    const cutsBefore = this.cuts;
    this.stack.push(name);
    const expanded = convertSchema(source, { nullableProperties: true, resolveRef: (ref) => this.definition(refName(ref)) });
    this.stack.pop();
    // Only a context-free expansion can be reused; one that hit a recursion cut depends on the stack.
    if (this.cuts === cutsBefore) this.memo.set(name, expanded);
    return expanded;
  }
}

function refName(ref: string): string {
  if (!ref.startsWith(REF_PREFIX)) throw new SchemaConversionError(ref, 'only local #/definitions/ refs are supported');
  return ref.slice(REF_PREFIX.length);
}

function allowNull(schema: JsonSchema): JsonSchema {
  if (typeof schema.type === 'string') return schema.type === 'null' ? schema : { ...schema, type: [schema.type, 'null'] };
  if (Array.isArray(schema.type)) return schema.type.includes('null') ? schema : { ...schema, type: [...schema.type, 'null'] };
  if (Array.isArray(schema.oneOf)) return schema.oneOf.some((s) => isObject(s) && s.type === 'null') ? schema : { ...schema, oneOf: [...schema.oneOf, { type: 'null' }] };
  return schema;
}

function withDescription(schema: JsonSchema, source: JsonSchema): JsonSchema {
  return typeof source.description === 'string' ? { description: source.description, ...schema } : schema;
}

function isObject(value: unknown): value is JsonSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
