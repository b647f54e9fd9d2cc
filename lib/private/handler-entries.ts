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
 * `require` that ESM lacks. The AWS SDK stays external: the Lambda runtime provides it. Minified
 * with function names kept, so that a stack trace without source maps still names the functions.
 * Source maps are written when a function asks for them (GatewayFunctionOptions.sourceMaps); the
 * package build always writes them, next to the code, and a function leaves them out of its asset
 * unless it asks (handler-code.prebuilt.ts).
 */
export const HANDLER_BUNDLING = {
  format: 'esm',
  mainFields: ['module', 'main'],
  banner:
    "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  minify: true,
  keepNames: true,
  sourcesContent: false,
} as const;

/** Source maps, in each handler's directory beside its code, as `<file>.map`. */
export const SOURCE_MAP_FILES = '*.map';
