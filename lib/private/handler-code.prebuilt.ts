import { join } from 'node:path';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { HandlerKind } from './defaults';
import type { HandlerCode, HandlerCodeOptions } from './handler-code';
import { HANDLER_ENTRIES, SOURCE_MAP_FILES } from './handler-entries';

/**
 * Where the code of a handler comes from in the packaged library: the handler bundled once by the
 * package build, shipped in `handlers/<directory>/` (index.mjs, the chunks it loads on demand, and
 * their source maps) next to the library's `index.js`, so a consumer's synth runs no esbuild. The
 * maps go into the function's asset only when it asks for them. scripts/build.ts puts this module
 * in place of handler-code.ts; it only runs from that CommonJS bundle, where `__dirname` is the
 * package's directory.
 */
export function handlerCode(kind: HandlerKind, options: HandlerCodeOptions = {}): HandlerCode {
  const directory = join(__dirname, 'handlers', HANDLER_ENTRIES[kind].directory);
  return {
    code: lambda.Code.fromAsset(directory, options.sourceMaps === true ? {} : { exclude: [SOURCE_MAP_FILES] }),
    handler: 'index.handler',
  };
}
