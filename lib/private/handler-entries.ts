import type { HandlerKind } from './defaults';

/**
 * Each handler's entry point under lambdas/, relative to the repository root. The construct library's
 * build bundles each into `handlers/<directory>/index.mjs` (see scripts/build.ts).
 */
export const HANDLER_ENTRIES: Record<HandlerKind, { readonly entry: string; readonly directory: string }> = {
  ingest: { entry: 'lambdas/ingest/index.ts', directory: 'ingest' },
  authorizer: { entry: 'lambdas/authorizer/index.ts', directory: 'authorizer' },
  dispatcher: { entry: 'lambdas/dispatcher/index.ts', directory: 'dispatcher' },
  configWriter: { entry: 'lambdas/config-writer/index.ts', directory: 'config-writer' },
  sweeper: { entry: 'lambdas/sweeper/index.ts', directory: 'sweeper' },
  waiter: { entry: 'lambdas/waiter/index.ts', directory: 'waiter' },
};

/**
 * How a handler is bundled, at synth (source tree) and by the package build alike. ESM output,
 * because @marcbachmann/cel-js ships ESM only; the banner gives bundled CommonJS dependencies the
 * `require` that ESM lacks. The AWS SDK stays external: the Lambda runtime provides it.
 */
export const HANDLER_BUNDLING = {
  format: 'esm',
  mainFields: ['module', 'main'],
  banner:
    "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  minify: true,
  sourceMap: true,
  sourcesContent: false,
} as const;
