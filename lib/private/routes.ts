import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { RouteConfig } from '../../lambdas/core/config/webhook';
import type { RouteOptions } from '../webhook';
import { routeId } from './naming';
import { defined } from './objects';

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
