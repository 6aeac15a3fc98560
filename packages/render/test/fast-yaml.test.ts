import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { findRepoRoot } from '@carbon/toolchain';
import { discoverFluxKustomizations, documentText, lazyObject, parseManifestStream, parseYamlFast, parseYamlFastWith, rawYaml, splitDocuments } from '../src/index.ts';

const root = findRepoRoot(process.cwd());

/** The `yaml` package's error for `text`, or undefined when it parses. */
const yamlError = (text: string): string | undefined => {
  try {
    parse(text);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
};

describe('parseYamlFast', () => {
  it('resolves plain scalars as the `yaml` package (YAML 1.2 core) does, not as YAML 1.1 or js-yaml defaults', () => {
    const text = [
      'yes: yes', 'on: on', 'y: y', 'no: No', 'octal: 0o17', 'leadingZero: 017', 'binary: 0b101', 'underscore: 1_000', 'hex: 0x1F', 'plus: +12',
      'stamp: 2026-11-22T20:00:00Z', 'date: 2026-11-22', 'inf: .inf', 'ninf: -.Inf', 'nan: .nan', 'exp: 1e3', 'float: 1.50', 'dot: 1.', 'lead: .5',
      'tilde: ~', 'nullish: NULL', 'empty:', 'True: TRUE', 'quoted: "true"', 'single: \'12\'', 'big: 12345678901234567890', 'sexagesimal: 1:30', 'tagged: !!str 12',
      'list: [1, "2", three, false]', 'block: |\n  line one\n  * bullet\n', 'folded: >-\n  a\n  b',
    ].join('\n');
    const fast = parseYamlFastWith(text);
    expect(fast.parser).toBe('js-yaml');
    expect(fast.value).toStrictEqual(parse(text));
    expect(fast.value).toMatchObject({ yes: 'yes', on: 'on', y: 'y', no: 'No', octal: 15, leadingZero: 17, binary: '0b101', underscore: '1_000', hex: 31, plus: 12, stamp: '2026-11-22T20:00:00Z', date: '2026-11-22', inf: Infinity, ninf: -Infinity, exp: 1000, tilde: null, nullish: null, empty: null, true: true, quoted: 'true', single: '12', sexagesimal: '1:30', tagged: '12' });
    expect(Number.isNaN((fast.value as { nan: number }).nan)).toBe(true);
  });

  it('leaves aliases, directives and tags js-yaml lacks to `yaml`, with the same result', () => {
    for (const text of ['a: &x {b: 1}\nc: *x\n', 'null: 1\nb: ~\n', '~: 2\n', '{Null: 1}', 'list:\n  - &x k\n  - *x\n', '%YAML 1.1\n---\na: yes\n', 'a: !!binary aGVsbG8=\n', 'a: !Ref b\n']) {
      const fast = parseYamlFastWith(text);
      expect(fast.parser, text).toBe('yaml');
      expect(fast.value, text).toStrictEqual(parse(text, { logLevel: 'silent' }));
    }
    // A `*` that is not an alias keeps the fast path.
    expect(parseYamlFastWith('cron: "*/5 * * * *"\nargs: [--tls-*]\ndoc: "**Warning:** x"\n').parser).toBe('js-yaml');
  });

  it('fails on malformed YAML and duplicate keys with exactly the `yaml` package error', () => {
    for (const text of ['a: 1\na: 2\n', 'metadata:\n  name: [unclosed\n', 'a: "open\n', 'a:\n\t- tab\n']) {
      const expected = yamlError(text);
      expect(expected, text).toBeDefined();
      expect(() => parseYamlFast(text), text).toThrow(expected);
    }
  });

  it('lazy kustomize-style objects read the same values, also for documents not in block style', () => {
    const stream = '---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a # c\ndata:\n  enabled: "on"\n  when: 2026-11-22\n--- # next\n{apiVersion: v1, kind: Secret, metadata: {name: b}}\n---\n# only a comment\n';
    const objects = parseManifestStream(stream);
    expect(objects).toStrictEqual(splitDocuments(stream).map((d) => parse(d)));
    expect(objects.map((o) => o.metadata?.name)).toEqual(['a', 'b']);
    expect(lazyObject('kind: X\nspec:\n  v: yes\n').spec).toStrictEqual({ v: 'yes' });
  });

  it("parses this repository's whole rendering (both clusters, CRDs included) to the same objects as `yaml`", async () => {
    const clusters = await discoverFluxKustomizations(root, { toolsRoot: root });
    let objects = 0;
    let fast = 0;
    for (const c of clusters) {
      for (const k of c.kustomizations) {
        for (const o of k.objects) {
          const raw = rawYaml(o);
          if (raw === undefined) continue;
          objects++;
          const expected = parse(raw);
          const got = parseYamlFastWith(raw);
          if (got.parser === 'js-yaml') fast++;
          expect(got.value, `${k.name}: ${o.object.kind}/${o.object.metadata?.name}`).toStrictEqual(expected);
          // The lazy object `platform diff` compares, every field materialised.
          expect(JSON.parse(JSON.stringify(o.object)), `${o.object.kind}/${o.object.metadata?.name}`).toStrictEqual(JSON.parse(JSON.stringify(expected)));
        }
      }
    }
    expect(objects).toBeGreaterThan(500);
    // The fast parser is what actually runs (a fallback on every document would hide a regression).
    expect(fast / objects).toBeGreaterThan(0.99);
  }, 120_000);
});

describe('documentText', () => {
  it('is the exact text each lazily parsed document came from, until a top-level key is assigned', () => {
    const [a, b, flow] = parseManifestStream('kind: A\nmetadata:\n  name: a\n---\nkind: B\nspec: {x: 1}\n---\n{kind: C}\n');
    expect(documentText(a)).toBe('kind: A\nmetadata:\n  name: a');
    expect(documentText(b)).toBe('kind: B\nspec: {x: 1}');
    // Not block style: parsed at once, the text is still known.
    expect(documentText(flow)).toBe('{kind: C}\n');
    void b!.spec;
    expect(documentText(b)).toBe('kind: B\nspec: {x: 1}');
    (a as Record<string, unknown>).kind = 'Changed';
    expect(documentText(a)).toBeUndefined();
    expect(documentText({ kind: 'A' })).toBeUndefined();
  });
});

describe('lazyObject one-line values', () => {
  it('reads plain words without a parser and everything else as yaml does', () => {
    const text = ['apiVersion: apps/v1', 'kind: Deployment', 'a: true', 'b: Null', 'c: FALSE', 'd: y', 'e: e1', 'f: word # comment', 'g: two words', 'h: 0x1f', 'i: .inf', "j: 'quoted'", 'k: x:y', 'l: Yes', 'm:', '  - 1', 'n: last'].join('\n');
    const lazy = lazyObject(text);
    expect({ ...lazy }).toEqual(parse(text));
    expect(Object.keys(lazy)).toEqual(Object.keys(parse(text) as object));
  });
});
