import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../../..');

/** Lints inline source as if it were `file` in the repo, with the root eslint.config.js. */
async function lint(file: string, code: string): Promise<{ rule: string | null; line: number }[]> {
  const eslint = new ESLint({ cwd: ROOT });
  const [result] = await eslint.lintText(code, { filePath: join(ROOT, file), warnIgnored: true });
  return (result?.messages ?? []).map((m) => ({ rule: m.ruleId, line: m.line }));
}

describe('root eslint.config.js', () => {
  it('reports an unused variable, loose equality and a value import used only as a type', async () => {
    const code = [
      "import { ExecError } from '@carbon/toolchain';",
      'export function same(a: number, b: string, error: ExecError): boolean {',
      '  const unused = 1;',
      '  return a == Number(b) && error !== undefined;',
      '}',
      '',
    ].join('\n');
    expect(await lint('packages/example/src/bad.ts', code)).toEqual([
      { rule: '@typescript-eslint/consistent-type-imports', line: 1 },
      { rule: '@typescript-eslint/no-unused-vars', line: 3 },
      { rule: 'eqeqeq', line: 4 },
    ]);
  });

  it('accepts the same code written correctly; `_`-prefixed names may go unused', async () => {
    const code = [
      "import type { ExecError } from '@carbon/toolchain';",
      'export function same(a: number, b: string, _error: ExecError): boolean {',
      '  const [_first, second] = [a, b];',
      '  return a === Number(second);',
      '}',
      '',
    ].join('\n');
    expect(await lint('packages/example/src/good.ts', code)).toEqual([]);
  });

  it('forbids console in library code but not in scripts, bins or tooling', async () => {
    const code = "console.log('hello');\n";
    expect(await lint('packages/example/src/index.ts', code)).toEqual([{ rule: 'no-console', line: 1 }]);
    expect(await lint('apps/example/scripts/generate.ts', code)).toEqual([]);
    expect(await lint('packages/example/bin/example.mjs', code)).toEqual([]);
    expect(await lint('tooling/example/src/main.ts', code)).toEqual([]);
  });

  it('ignores generated output (dist/, deploy/)', async () => {
    const eslint = new ESLint({ cwd: ROOT });
    expect(await eslint.isPathIgnored(join(ROOT, '.github/actions/validate/dist/index.js'))).toBe(true);
    expect(await eslint.isPathIgnored(join(ROOT, 'apps/trino/deploy/base/x.ts'))).toBe(true);
    expect(await eslint.isPathIgnored(join(ROOT, 'apps/trino/src/service.ts'))).toBe(false);
  });

  it('every workspace package runs it (`npm run lint` through turbo)', () => {
    const missing: string[] = [];
    for (const group of ['apps', 'packages', 'tooling']) {
      for (const entry of readdirSync(join(ROOT, group), { withFileTypes: true })) {
        if (!entry.isDirectory()) continue;
        const file = join(ROOT, group, entry.name, 'package.json');
        if (!existsSync(file)) continue; // not a workspace (e.g. tooling/ensure); tooling/lint lints it
        const manifest = JSON.parse(readFileSync(file, 'utf8')) as { scripts?: Record<string, string> };
        if (!manifest.scripts?.lint?.startsWith('eslint ')) missing.push(`${group}/${entry.name}`);
      }
    }
    expect(missing, 'add "lint": "eslint ." to these package.json scripts').toEqual([]);
  });
});
