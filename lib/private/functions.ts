import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct, type IConstruct } from 'constructs';
import { METRICS } from '../../lambdas/core/config/environment';
import { functionDefaults, type HandlerKind } from './defaults';
import type { FunctionSettings } from './function-options';

const ROOT = `${resolve(dirname(thisFile()), '../..')}/`;
const ENTRIES: Record<HandlerKind, string> = {
  ingest: 'lambdas/ingest/index.ts',
  authorizer: 'lambdas/authorizer/index.ts',
  dispatcher: 'lambdas/dispatcher/index.ts',
  configWriter: 'lambdas/config-writer/index.ts',
  sweeper: 'lambdas/sweeper/index.ts',
  waiter: 'lambdas/waiter/index.ts',
};

/**
 * The path of this file, from the V8 call site of this function: `import.meta.url` would do in ESM
 * (tsx, vitest), but the CommonJS that jsii emits cannot parse it, and ESM has no `__filename`.
 */
function thisFile(): string {
  const { prepareStackTrace, stackTraceLimit } = Error;
  try {
    Error.prepareStackTrace = (_, callSites) => callSites;
    Error.stackTraceLimit = 1;
    const [site] = new Error().stack as unknown as NodeJS.CallSite[];
    const file = site?.getFileName();
    if (!file) throw new Error('cannot find the directory of lib/private/functions.ts');
    return file.startsWith('file:') ? fileURLToPath(file) : file;
  } finally {
    Error.prepareStackTrace = prepareStackTrace;
    Error.stackTraceLimit = stackTraceLimit;
  }
}

/**
 * ESM output, because @marcbachmann/cel-js ships ESM only; the banner gives bundled CommonJS
 * dependencies the `require` that ESM lacks. The AWS SDK stays external (the runtime provides it).
 */
export const BUNDLING: nodejs.BundlingOptions = {
  format: nodejs.OutputFormat.ESM,
  mainFields: ['module', 'main'],
  banner:
    "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  forceDockerBundling: false,
};

export interface HandlerOptions {
  readonly key: kms.IKey;
  readonly removalPolicy: RemovalPolicy;
  readonly logRetention: logs.RetentionDays;
  readonly environment: Record<string, string>;
  /** How the function's `currentVersion` is created, for a handler invoked through an alias. @default - Lambda's defaults */
  readonly currentVersionOptions?: lambda.VersionOptions;
  /** Memory, timeout and reserved concurrency. @default - the kind's defaults */
  readonly settings?: FunctionSettings;
}

/** What makes up a handler. */
export interface HandlerParts {
  readonly function: nodejs.NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
}

/**
 * A handler of lambdas/, bundled by the local esbuild: arm64, Node.js 24, X-Ray active tracing,
 * its own KMS-encrypted log group and a role that may write only to that log group. Its parts are
 * created directly in `scope` (ids `Logs`, `Role`, `Function`); the role's description names `owner`.
 */
export function addHandler(
  scope: Construct,
  kind: HandlerKind,
  options: HandlerOptions,
  owner: IConstruct = scope,
): HandlerParts {
  const { description } = functionDefaults(kind);
  const settings: FunctionSettings = options.settings ?? functionDefaults(kind);
  const { memorySize, timeout, reservedConcurrentExecutions } = settings;
  const logGroup = new logs.LogGroup(scope, 'Logs', {
    encryptionKey: options.key,
    retention: options.logRetention,
    removalPolicy: options.removalPolicy,
  });
  const role = new iam.Role(scope, 'Role', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: `${description} (${owner.node.path})`,
  });
  logGroup.grantWrite(role);
  const fn = new nodejs.NodejsFunction(scope, 'Function', {
    entry: `${ROOT}${ENTRIES[kind]}`,
    handler: 'handler',
    projectRoot: ROOT,
    depsLockFilePath: `${ROOT}package-lock.json`,
    runtime: lambda.Runtime.NODEJS_24_X,
    architecture: lambda.Architecture.ARM_64,
    memorySize,
    timeout,
    description,
    tracing: lambda.Tracing.ACTIVE,
    role,
    logGroup,
    environment: {
      NODE_OPTIONS: '--enable-source-maps',
      POWERTOOLS_SERVICE_NAME: `webhook-gateway-${kind}`,
      POWERTOOLS_METRICS_NAMESPACE: METRICS.namespace,
      ...options.environment,
    },
    bundling: BUNDLING,
    ...(options.currentVersionOptions && { currentVersionOptions: options.currentVersionOptions }),
    ...(reservedConcurrentExecutions !== undefined && { reservedConcurrentExecutions }),
  });
  return { function: fn, role, logGroup };
}

/** A handler in a construct of its own (`<id>/Logs`, `<id>/Role`, `<id>/Function`); see `addHandler`. */
export class Handler extends Construct implements HandlerParts {
  readonly function: nodejs.NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, kind: HandlerKind, options: HandlerOptions) {
    super(scope, id);
    const parts = addHandler(this, kind, options, scope);
    this.function = parts.function;
    this.role = parts.role;
    this.logGroup = parts.logGroup;
  }
}
