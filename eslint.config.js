// One flat config for the whole repo. Every workspace runs `eslint .` from its own folder and
// ESLint 9 finds this file by looking up from the working directory; tooling/lint covers the
// files outside any workspace (.github/actions/*, tooling/ensure, root configs).
// Not type-aware on purpose: syntax-only rules keep `npm run lint` fast.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: ['**/dist/**', '**/deploy/**', '.tools/**', '**/node_modules/**', '**/.turbo/**', 'coverage/**'],
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
      globals: { ...globals.node },
    },
    linterOptions: {
      reportUnusedDisableDirectives: 'error',
    },
    rules: {
      eqeqeq: ['error', 'always'],
      'no-console': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      // verbatimModuleSyntax keeps value imports at runtime; type-only ones must say so. Inline
      // `import('./x.ts').T` annotations are erased too, so they stay allowed.
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false }],
      // Validate/render/diff walk untyped Kubernetes JSON; `unknown` there would mean a cast per property access.
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    // Command-line entry points, scripts and benches talk to the terminal by design.
    files: ['**/bin/**', '**/scripts/**', 'tooling/**', 'packages/toolchain/src/setup-main.ts', 'packages/github/src/testing/serve-double.ts'],
    rules: { 'no-console': 'off' },
  },
);
