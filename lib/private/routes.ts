import { Annotations } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type { RouteConfig } from '../../lambdas/core/config/webhook';
import type { RouteOptions } from '../webhook';
import { routeId } from './naming';
import { defined } from './objects';
import { checkRoute } from './validation';
import { webhookWarningId } from './warnings';

export interface RouteEntry {
  readonly config: RouteConfig;
  readonly hasTarget: boolean;
  readonly problems: string[];
}

/**
 * A route's stored form. The target's type is read from a state machine defined in the app (its
 * L1 `stateMachineType`); an imported one (ARN of a machine, version or alias) is STANDARD unless
 * `workflowType` says otherwise. Routes of an imported gateway's `writer` have ids of their own.
 */
export function routeEntry(
  eventKeyPattern: string,
  target: sfn.IStateMachine | undefined,
  options: RouteOptions,
  writer?: string,
): RouteEntry {
  const problems: string[] = [];
  const cfn = target?.node.defaultChild;
  let type = options.workflowType ?? sfn.StateMachineType.STANDARD;
  if (cfn instanceof sfn.CfnStateMachine) {
    const actual = (cfn.stateMachineType as sfn.StateMachineType | undefined) ?? sfn.StateMachineType.STANDARD;
    if (options.workflowType && options.workflowType !== actual) {
      problems.push(`workflowType ${options.workflowType} contradicts the state machine's type ${actual}`);
    }
    type = actual;
  }
  const config: RouteConfig = {
    id: routeId([
      ...(writer === undefined ? [] : [writer]),
      eventKeyPattern,
      options.webhook,
      options.scope,
      options.filter,
      target?.node.path,
    ]),
    eventKeyPattern,
    ...defined({ webhook: options.webhook, scope: options.scope, filter: options.filter }),
    target: {
      arn: target?.stateMachineArn ?? '',
      type: type === sfn.StateMachineType.EXPRESS ? 'EXPRESS' : 'STANDARD',
    },
  };
  return { config, hasTarget: target != null, problems };
}

/**
 * Adds `entry` to `routes` (the same route twice fails synth) and lets `dispatcher` start its
 * target. The filter's warnings go on `scope` now: they need no webhook (errors wait for validation).
 */
export function addRoute(
  scope: Construct,
  routes: RouteEntry[],
  entry: RouteEntry,
  target: sfn.IStateMachine | undefined,
  dispatcher: iam.IGrantable,
): void {
  if (routes.some((r) => r.config.id === entry.config.id))
    entry.problems.push('is added twice (same pattern, options and target): remove one');
  if (target) target.grantStartExecution(dispatcher);
  routes.push(entry);
  for (const warning of checkRoute(entry.config, true, new Set()).warnings)
    Annotations.of(scope).addWarningV2(webhookWarningId(warning), warning);
}
