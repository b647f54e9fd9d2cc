import type { RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct, type IConstruct } from 'constructs';
import { METRICS } from '../../lambdas/core/config/environment';
import { functionDefaults, type HandlerKind } from './defaults';
import { handlerCode } from './handler-code';
import type { FunctionSettings } from './function-options';

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
 * A handler of lambdas/ (bundled at synth in the source tree, prebuilt in the package: see
 * handler-code.ts): arm64, Node.js 24, X-Ray active tracing, its own KMS-encrypted log group and a
 * role that may write only to that log group. Source maps only when the settings ask for them (reading
 * them costs every cold start); without them, stack traces still name the original functions. Its
 * parts are created directly in `scope` (ids `Logs`, `Role`, `Function`); the role's description
 * names `owner`.
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
  const { logGroup, role } = addLogsAndRole(
    scope,
    { logs: 'Logs', role: 'Role' },
    options,
    `${description} (${owner.node.path})`,
  );
  const sourceMaps = settings.sourceMaps === true;
  const fn = new nodejs.NodejsFunction(scope, 'Function', {
    ...handlerCode(kind, { sourceMaps }),
    runtime: lambda.Runtime.NODEJS_24_X,
    architecture: lambda.Architecture.ARM_64,
    memorySize,
    timeout,
    description,
    tracing: lambda.Tracing.ACTIVE,
    role,
    logGroup,
    environment: {
      ...(sourceMaps && { NODE_OPTIONS: '--enable-source-maps' }),
      POWERTOOLS_SERVICE_NAME: `webhook-gateway-${kind}`,
      POWERTOOLS_METRICS_NAMESPACE: METRICS.namespace,
      ...options.environment,
    },
    ...(options.currentVersionOptions && { currentVersionOptions: options.currentVersionOptions }),
    ...(reservedConcurrentExecutions !== undefined && { reservedConcurrentExecutions }),
  });
  return { function: fn, role, logGroup };
}

/** A KMS-encrypted log group and a Lambda execution role that may write only to it, created in `scope`. */
export function addLogsAndRole(
  scope: Construct,
  ids: { readonly logs: string; readonly role: string },
  options: Pick<HandlerOptions, 'key' | 'logRetention' | 'removalPolicy'>,
  description: string,
): Pick<HandlerParts, 'logGroup' | 'role'> {
  const logGroup = new logs.LogGroup(scope, ids.logs, {
    encryptionKey: options.key,
    retention: options.logRetention,
    removalPolicy: options.removalPolicy,
  });
  const role = new iam.Role(scope, ids.role, {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description,
  });
  logGroup.grantWrite(role);
  return { logGroup, role };
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
