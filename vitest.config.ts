import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Integration test snapshots and runner output are CDK assemblies, not tests.
    exclude: [...configDefaults.exclude, '**/*.snapshot/**', 'test/integ/cdk-integ.out.*/**'],
    setupFiles: ['test/setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
