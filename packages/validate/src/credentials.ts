/**
 * Literal credentials inside config files (ConfigMap values mounted as files: superset_config.py,
 * application.yml, *.properties, *.ini, …). Shared by `platform validate` (SECR003) and the diff's
 * `credentials` risk, so both accept and refuse the same text. Only the key name and line are
 * reported, never the value.
 */

/** Assignment of a secret-named key: `KEY = value`, `key: value`, `"key": "value"`, `key=value`. */
const ASSIGNMENT = /^\s*(?:export\s+|-\s+)?(["']?)([A-Za-z_][A-Za-z0-9_.-]*)\1\s*(=|:)\s*(.*?)\s*,?\s*$/;
/** Key names that hold a credential. */
const SECRET_NAME = /(pass(word|wd|phrase)?$|passwd|password|secret|token|credential|api[-_.]?key|private[-_.]?key|access[-_.]?key|auth[-_.]?key|signing[-_.]?key|client[-_.]?secret)/i;
/** Names that sit next to a credential but are not one. */
const NOT_SECRET_NAME = /(user(name)?|name|names|url|uri|host|port|path|file|dir|endpoint|ref|enabled|ttl|expiry|timeout|key_id|keyid|type|mode|header|policy|length|provider|store|backend|env|source|field|kind|format|required)$/i;
/**
 * Values that read a secret rather than hold one: code (`os.environ["X"]`, `env("X")`,
 * `getenv(...)`, `System.getenv`), placeholders (`${X}`, `$(X)`, `{{ x }}`, `%(x)s`, `<x>`),
 * file references, booleans/null/numbers, empty strings.
 */
const EXPRESSION = /^(?:[A-Za-z_][\w.]*\s*[[(]|\$\{|\$\(|\$[A-Za-z_]|\{\{|%\(|<[^>]*>$|file:|\/|env:|secret:|vault:)/;
const NOT_A_VALUE = /^(?:true|false|yes|no|on|off|null|none|nil|~|-?\d+(?:\.\d+)?|\{|\[|\||>|)$/i;

/**
 * Narrow on purpose (the diff's masking keeps such values visible): code or a placeholder that
 * reads the secret from the environment — `os.environ["X"]`, `os.getenv("X")`, `System.getenv`,
 * `process.env.X`, `${X}`, `$(X)`, `{{ .x }}`, `%(x)s` — never anything with a literal default.
 */
const READS_ELSEWHERE = /^(?:(?:os\.)?(?:environ|getenv)\b|System\.getenv\b|process\.env\b|ENV\[|env\(\s*["'][\w.-]+["']|\$\{[A-Za-z_][\w.]*\}?$|\$\([A-Za-z_]\w*\)?$|\{\{[\s\w.]*(\}\}?)?$|%\(\w+\)s?$)/;

/** A value that is code or a placeholder reading a secret from elsewhere, not the secret itself. */
export function readsSecretElsewhere(value: string): boolean {
  const v = value.trim();
  return READS_ELSEWHERE.test(v) || READS_ELSEWHERE.test(unquote(v).inner);
}

export interface LiteralCredential {
  /** 1-based line inside the file. */
  line: number;
  key: string;
}

function unquote(v: string): { quoted: boolean; inner: string } {
  const m = /^(?:[rRbBuUfF]{0,2})(["'])(.*)\1$/.exec(v);
  return m ? { quoted: true, inner: m[2]! } : { quoted: false, inner: v };
}

/**
 * Lines of `text` that assign a literal value to a secret-named key. Comments (`#`, `//`, `;`)
 * are skipped; a value that is code reading the secret from somewhere else is not a literal.
 */
export function literalCredentials(text: string): LiteralCredential[] {
  if (!/pass|secret|token|credential|key/i.test(text)) return [];
  const out: LiteralCredential[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trimStart();
    if (line.startsWith('#') || line.startsWith('//') || line.startsWith(';')) return;
    const m = ASSIGNMENT.exec(raw);
    if (!m) return;
    const key = m[2]!;
    if (!SECRET_NAME.test(key) || NOT_SECRET_NAME.test(key)) return;
    const value = /^["'‹]/.test(m[4]!) ? m[4]! : m[4]!.replace(/\s+#.*$/, '');
    if (NOT_A_VALUE.test(value) || EXPRESSION.test(value) || readsSecretElsewhere(value)) return;
    const { quoted, inner } = unquote(value);
    if (inner === '' || (quoted && EXPRESSION.test(inner))) return;
    // An unquoted word followed by more code is an expression too (`a if b else c`, `x + y`).
    if (!quoted && /[\s()+]/.test(inner) && !inner.startsWith('‹masked')) return;
    out.push({ line: i + 1, key });
  });
  return out;
}

/** Literal credentials in each file (data key) of a ConfigMap: what SECR003 reports and `platform generate` warns about. */
export function configMapCredentials(configMap: { data?: Record<string, unknown> }): { file: string; found: LiteralCredential[] }[] {
  const out: { file: string; found: LiteralCredential[] }[] = [];
  for (const [file, text] of Object.entries(configMap.data ?? {})) {
    if (typeof text !== 'string') continue;
    const found = literalCredentials(text);
    if (found.length) out.push({ file, found });
  }
  return out;
}

/** `superset_config.py assigns a literal credential to SECRET_KEY (line 12), …`: names and lines, never values. */
export const describeCredentials = (c: { file: string; found: LiteralCredential[] }): string => `${c.file} assigns a literal credential to ${c.found.map((f) => `${f.key} (line ${f.line})`).join(', ')}`;
