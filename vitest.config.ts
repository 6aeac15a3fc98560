import { defineConfig } from 'vitest/config';

// One root config: `npm test` runs every workspace's tests in one process pool and prints
// one closing summary line (see tooling/vitest-summary).
export default defineConfig({
  test: {
    include: ['apps/*/test/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'tooling/*/test/**/*.test.ts', '.github/actions/*/test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 180_000, // real-repo renders share 2 cores with the e2e and promtool suites in CI
    hookTimeout: 120_000,
    pool: 'forks',
    reporters: ['default', './tooling/vitest-summary/src/reporter.ts'],
  },
});
