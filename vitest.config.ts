import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  // The constructs by package name, as users import them (tsconfig.json maps it the same way).
  resolve: {
    alias: [{ find: /^aws-webhook-gateway$/, replacement: fileURLToPath(new URL('./lib/index.ts', import.meta.url)) }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    // Integration test snapshots and runner output are CDK assemblies, not tests.
    exclude: [...configDefaults.exclude, '**/*.snapshot/**', 'test/integ/cdk-integ.out.*/**'],
    setupFiles: ['test/setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Vitest's default (cores - 1) runs files one at a time on 2 cores; many wait on child
    // processes and local servers, so two at a time is faster there (measured: 451 s → 342 s).
    maxWorkers: Math.max(2, availableParallelism() - 1),
  },
});
