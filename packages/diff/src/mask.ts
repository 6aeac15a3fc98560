import { createHash, randomBytes } from 'node:crypto';
import { readsSecretElsewhere } from '@carbon/validate';
import type { K8sObject } from './types.ts';

/**
 * Secret values are replaced before the engine ever compares anything, so no formatter, collapse
 * line or rename score can leak them. The stand-in carries the value's length and a short hash
 * salted per run: equal values compare equal inside one run (a change is visible), but the hash
 * cannot be looked up across runs or brute-forced from a published comment with a fixed salt.
 */
export interface Masker {
  mask(value: string, encoding?: 'base64' | 'text'): string;
}

export function createMasker(salt: Buffer = randomBytes(16)): Masker {
  return {
    mask(value, encoding = 'text') {
      const length = encoding === 'base64' ? Buffer.from(value, 'base64').length : Buffer.byteLength(value, 'utf8');
      const hash = createHash('sha256').update(salt).update(value).digest('hex').slice(0, 8);
      return `‹masked ${length} bytes #${hash}›`;
    },
  };
}

/** Key names whose string values are treated as secrets wherever they appear (env names, ConfigMap keys, config maps inside CRs). */
const SENSITIVE = /(pass(word|wd|phrase)?|token|secret|credential|api[-_.]?key|private[-_.]?key|access[-_.]?key|auth[-_.]?key|client[-_.]?key|signing[-_.]?key|encryption[-_.]?key|(^|[-_.])key$|\.pem$|^dsn$|connection[-_.]?string)/i;
/** Structural fields that name or point at a secret rather than hold one. */
const REFERENCE = /((name|names|ref|refs|path|file|dir|selector|namespace|template|field|kind|type|mode|format|policy|provider|store)$|^(secretKey|remoteKey|property)$)/i;

export function isSensitiveKey(key: string): boolean {
  return SENSITIVE.test(key);
}

/** A generic field (not a ConfigMap key or env name): the bare word `key` is structural (`secretKeyRef.key`, tolerations). */
function isSensitiveField(key: string): boolean {
  if (key === 'key' || REFERENCE.test(key)) return false;
  return SENSITIVE.test(key);
}

/**
 * `key = value` / `key: value` / `"key": "value"` / `--key=value` / `?key=value` inside any
 * string (config files, JSON blobs, args, URLs) where the key is secret-named.
 */
const INLINE = /(["']?)([A-Za-z0-9_.-]*?(?:pass(?:word|wd|phrase)?|token|secret|credential|api[-_.]?key|private[-_.]?key|access[-_.]?key|client[-_.]?key|auth[-_.]?key)[A-Za-z0-9_.-]*)\1([ \t]*[:=][ \t]*)("[^"\n]*"|'[^'\n]*'|[^\s,;&}\]\n]+)/gi;
/** `scheme://user:password@host` */
const URL_CREDENTIALS = /([a-z][a-z0-9+.-]*:\/\/[^:/\s@]+:)([^@\s/]+)(@)/gi;
/** Cheap pre-check: most strings mention no secret-like word at all. */
const MAYBE_SENSITIVE = /pass|token|secret|credential|key|:\/\//i;

function maskInline(text: string, masker: Masker): string {
  if (!MAYBE_SENSITIVE.test(text)) return text;
  return text
    .replace(URL_CREDENTIALS, (_m, pre: string, secret: string, at: string) => `${pre}${masker.mask(secret)}${at}`)
    .replace(INLINE, (m, quote: string, key: string, sep: string, value: string) => {
      // Names stay (the key), and so does code that reads the secret from elsewhere: os.environ["X"], ${X}.
      if (REFERENCE.test(key) || value === '""' || value === "''" || value.startsWith('‹masked') || readsSecretElsewhere(value)) return m;
      const inner = /^(["'])(.*)\1$/.exec(value);
      return `${quote}${key}${quote}${sep}${inner ? `${inner[1]}${masker.mask(inner[2]!)}${inner[1]}` : masker.mask(value)}`;
    });
}

function maskTree(value: unknown, masker: Masker, underKey?: string): unknown {
  if (typeof value === 'string') {
    if (underKey && isSensitiveField(underKey)) return masker.mask(value);
    return maskInline(value, masker);
  }
  if (Array.isArray(value)) return value.map((v) => maskTree(v, masker, undefined));
  if (value && typeof value === 'object') {
    const rec = value as Record<string, unknown>;
    // env entries: {name: DB_PASSWORD, value: "..."}
    if (typeof rec.name === 'string' && typeof rec.value === 'string' && isSensitiveKey(rec.name)) {
      return { ...mapValues(rec, (v, k) => (k === 'value' ? masker.mask(v as string) : maskTree(v, masker, k))) };
    }
    return mapValues(rec, (v, k) => maskTree(v, masker, k));
  }
  return value;
}

function mapValues(rec: Record<string, unknown>, f: (v: unknown, k: string) => unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(rec)) out[k] = f(v, k);
  return out;
}

/**
 * Returns a copy of the object with every secret value replaced: Secret `data`/`stringData` (all
 * keys), ConfigMap keys named like secrets, env values of secret-named variables, secret-named
 * string fields anywhere, and `key = value` lines for secret-named keys inside config files.
 * The last-applied annotation (a full copy of the object) is dropped.
 */
export function maskObject(o: K8sObject, masker: Masker): K8sObject {
  const out = maskTree(o, masker) as K8sObject;
  const ann = out.metadata?.annotations;
  if (ann && 'kubectl.kubernetes.io/last-applied-configuration' in ann) {
    const { 'kubectl.kubernetes.io/last-applied-configuration': _dropped, ...rest } = ann;
    out.metadata = { ...out.metadata, annotations: rest };
  }
  if (o.kind === 'Secret' && (o.apiVersion === 'v1' || !o.apiVersion.includes('/'))) {
    for (const field of ['data', 'stringData'] as const) {
      const data = o[field];
      if (data && typeof data === 'object') {
        out[field] = mapValues(data as Record<string, unknown>, (v) => masker.mask(String(v ?? ''), field === 'data' ? 'base64' : 'text'));
      }
    }
  }
  if (o.kind === 'ConfigMap') {
    for (const field of ['data', 'binaryData'] as const) {
      const data = o[field];
      if (data && typeof data === 'object') {
        out[field] = mapValues(data as Record<string, unknown>, (v, k) =>
          isSensitiveKey(k) && typeof v === 'string' ? masker.mask(v, field === 'binaryData' ? 'base64' : 'text') : maskTree(v, masker, undefined),
        );
      }
    }
  }
  return out;
}
