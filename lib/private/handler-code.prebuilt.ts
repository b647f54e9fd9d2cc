import { join } from 'node:path';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { HandlerKind } from './defaults';
import type { HandlerCode } from './handler-code';
import { HANDLER_ENTRIES } from './handler-entries';

/**
 * Where the code of a handler comes from in the packaged library: the handler bundled once by the
 * package build, shipped in `handlers/<directory>/index.mjs` next to the library's `index.js`, so a
 * consumer's synth runs no esbuild. scripts/build.ts puts this module in place of handler-code.ts;
 * it only runs from that CommonJS bundle, where `__dirname` is the package's directory.
 */
export function handlerCode(kind: HandlerKind): HandlerCode {
  return {
    code: lambda.Code.fromAsset(join(__dirname, 'handlers', HANDLER_ENTRIES[kind].directory)),
    handler: 'index.handler',
  };
}
