import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type { HandlerKind } from './defaults';
import { HANDLER_BUNDLING, HANDLER_ENTRIES } from './handler-entries';

/** The NodejsFunction properties that say where a handler's code comes from. */
export type HandlerCode = Pick<
  nodejs.NodejsFunctionProps,
  'code' | 'entry' | 'handler' | 'projectRoot' | 'depsLockFilePath' | 'bundling'
>;

/** How a function wants its code. */
export interface HandlerCodeOptions {
  /** Ship the source maps. @default false */
  readonly sourceMaps?: boolean;
}

const ROOT = `${resolve(dirname(thisFile()), '../..')}/`;

/**
 * Where the code of a handler comes from, in the source tree (this repository's tests, `cdk synth`
 * of the example): its TypeScript entry, bundled by the local esbuild at synth into one file
 * (NodejsFunction cannot split code: what a webhook may not need, RE2 and JWT, is in it but runs
 * only when loaded). The packaged library replaces this module with handler-code.prebuilt.ts
 * (scripts/build.ts), whose handlers keep those in chunks of their own.
 */
export function handlerCode(kind: HandlerKind, options: HandlerCodeOptions = {}): HandlerCode {
  return {
    entry: `${ROOT}${HANDLER_ENTRIES[kind].entry}`,
    handler: 'handler',
    projectRoot: ROOT,
    depsLockFilePath: `${ROOT}package-lock.json`,
    bundling: {
      ...HANDLER_BUNDLING,
      sourceMap: options.sourceMaps === true,
      format: nodejs.OutputFormat.ESM,
      mainFields: [...HANDLER_BUNDLING.mainFields],
      forceDockerBundling: false,
    },
  };
}

/**
 * The path of this file, from the V8 call site of this function: `import.meta.url` would do in ESM
 * (tsx, vitest), but CommonJS cannot parse it, and ESM has no `__filename`.
 */
function thisFile(): string {
  const { prepareStackTrace, stackTraceLimit } = Error;
  try {
    Error.prepareStackTrace = (_, callSites) => callSites;
    Error.stackTraceLimit = 1;
    const [site] = new Error().stack as unknown as NodeJS.CallSite[];
    const file = site?.getFileName();
    if (!file) throw new Error('cannot find the directory of lib/private/handler-code.ts');
    return file.startsWith('file:') ? fileURLToPath(file) : file;
  } finally {
    Error.prepareStackTrace = prepareStackTrace;
    Error.stackTraceLimit = stackTraceLimit;
  }
}
