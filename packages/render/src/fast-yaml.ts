import { FAILSAFE_SCHEMA, load, Type } from 'js-yaml';
import { parse } from 'yaml';

/**
 * Fast YAML → JS for machine-written YAML (kustomize output, substituted objects, renderings).
 *
 * The `yaml` package builds a full syntax tree with positions, which dominates `platform diff`
 * (~25× slower than js-yaml on a 14 MB rendering). js-yaml is used instead, with a schema that
 * resolves plain scalars exactly as `yaml`'s default (YAML 1.2 core) does: its regular expressions
 * and conversions are copied from `yaml/dist/schema/core`. So `yes`/`on`/`y`, `0b101`, `1_000`,
 * `017` (decimal 17) and `2026-11-22T20:00:00Z` stay what `yaml` makes of them; js-yaml's own
 * default schema would turn them into booleans, numbers and Dates.
 *
 * Anything the fast path cannot reproduce exactly goes to `yaml`: text that may contain an alias
 * (`yaml` limits alias expansion), a `%YAML` directive, a null key, explicit tags (`!!binary`, `!Ref`:
 * js-yaml rejects what the schema lacks) and any error (duplicate key, syntax), so malformed text
 * fails with `yaml`'s own message, exactly as before. Hand-written files whose findings need
 * line numbers keep the position-keeping parser (`parseYamlFile`).
 */

const scalar = (tag: string, test: RegExp, construct: (s: string) => unknown, acceptEmpty = false) =>
  new Type(`tag:yaml.org,2002:${tag}`, {
    kind: 'scalar',
    resolve: (s: string | null) => (s === null ? acceptEmpty : test.test(s)),
    construct: (s: string | null) => construct(s ?? ''),
  });

const INT_OCT = /^0o[0-7]+$/;
const INT_HEX = /^0x[0-9a-fA-F]+$/;
const INT_DEC = /^[-+]?[0-9]+$/;
const FLOAT_NAN = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const FLOAT_EXP = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/;

/** `yaml`'s YAML 1.2 core schema (null, bool, int, float; everything else a string), for js-yaml. */
export const YAML_CORE_SCHEMA = FAILSAFE_SCHEMA.extend({
  implicit: [
    scalar('null', /^(?:~|[Nn]ull|NULL)?$/, () => null, true),
    scalar('bool', /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/, (s) => s[0] === 't' || s[0] === 'T'),
    scalar('int', new RegExp(`${INT_OCT.source}|${INT_DEC.source}|${INT_HEX.source}`), (s) => (INT_OCT.test(s) ? parseInt(s.substring(2), 8) : INT_HEX.test(s) ? parseInt(s.substring(2), 16) : parseInt(s, 10))),
    scalar('float', new RegExp(`${FLOAT_NAN.source}|${FLOAT_EXP.source}|${FLOAT.source}`), (s) =>
      FLOAT_NAN.test(s) ? (s.slice(-3).toLowerCase() === 'nan' ? NaN : s[0] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY) : parseFloat(s),
    ),
  ],
});

/**
 * An alias is a `*name` node after `: `, `- `, `? ` (block) or `,`, `[`, `{` (flow). False positives
 * (`- *emphasis*` in a description) only cost speed. An alias this misses (a multi-line flow list) still parses to
 * the same value; only `yaml`'s limit on alias expansion would not apply, and kustomize never
 * writes aliases.
 */
const MAY_ALIAS = /(?:[:\-?][ \t]+|[,[{][ \t]*)\*[^\s,[\]{}]/;
const DIRECTIVE = /^%/m;
/** A null key (`~:`, `null:`): `yaml` names it "" in JS, js-yaml "null". */
const NULL_KEY_HINT = /(?:~|[Nn]ull|NULL)[ \t]*:(?:\s|$)/;
const NULL_KEY = /(?:^[ \t-]*|[{,?][ \t]*)(?:~|[Nn]ull|NULL)[ \t]*:(?:\s|$)/m;

/** Cheap substring gates first: the regular expressions cost ~50 ms on a 14 MB rendering, the gates ~5. */
function mayNeedYaml(text: string): boolean {
  return (
    (text.includes('*') && MAY_ALIAS.test(text)) ||
    ((text.startsWith('%') || text.includes('\n%')) && DIRECTIVE.test(text)) ||
    ((text.includes('ull') || text.includes('NULL') || text.includes('~')) && NULL_KEY_HINT.test(text) && NULL_KEY.test(text))
  );
}

/** A parse result and which parser produced it (tests check the fast path is the one taken). */
export type FastParse = { value: unknown; parser: 'js-yaml' | 'yaml' };

/** Parses one YAML document to plain JS, with the result `yaml`'s `parse(text)` gives, fast. */
export function parseYamlFast(text: string): unknown {
  return parseYamlFastWith(text).value;
}

export function parseYamlFastWith(text: string): FastParse {
  if (!mayNeedYaml(text)) {
    try {
      const value = load(text, { schema: YAML_CORE_SCHEMA });
      return { value: value === undefined ? null : value, parser: 'js-yaml' };
    } catch {
      // fall through: `yaml` either reads what js-yaml does not (explicit tags) or throws its own located error
    }
  }
  return { value: parse(text), parser: 'yaml' };
}
