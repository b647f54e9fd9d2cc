import { createHash } from 'node:crypto';
import { Aspects, type IAspect, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct, type IConstruct } from 'constructs';
import { ENV } from '../../lambdas/core/config/environment';
import { addHandler } from './functions';
import { acknowledgeTracing, acknowledgeWaiterPayloadReads } from './nag';
import * as grants from './permissions';
import { createWaiterTable } from './storage';

export interface WaitersProps {
  readonly key: kms.IKey;
  readonly removalPolicy: RemovalPolicy;
  readonly logRetention: logs.RetentionDays;
  readonly gatewayName: string;
  readonly historyTable: dynamodb.ITable;
  readonly payloadBucket: s3.IBucket;
  /** Also resumes waiters: it gets the same table, payload and task-token permissions. */
  readonly dispatcher: nodejs.NodejsFunction;
}

/** One waitForWebhook state, as the synth checks need it. */
export interface WaiterState {
  /** The task's construct address: written into its payload, found again in state machine definitions. */
  readonly waiterId: string;
  readonly name: string;
}

/**
 * What waitForWebhook states need, created with the first one: the waiter table, the registrar
 * function (invoked through an alias, so that state machines may invoke exactly it), the
 * dispatcher's access to both, and — found at synth in every state machine using a waiter — the
 * task-token permissions on exactly those state machines.
 */
export class Waiters extends Construct {
  readonly table: dynamodb.Table;
  readonly function: nodejs.NodejsFunction;
  /** What the states invoke: `live`, the function's current version. */
  readonly alias: lambda.Alias;
  readonly role: iam.Role;
  private readonly states: WaiterState[] = [];
  private readonly errors: string[] = [];
  private readonly policies = new Map<Stack, iam.PolicyStatement>();

  constructor(
    scope: Construct,
    id: string,
    private readonly props: WaitersProps,
  ) {
    super(scope, id);
    this.table = createWaiterTable(this, props);
    const handler = addHandler(this, 'waiter', {
      key: props.key,
      removalPolicy: props.removalPolicy,
      logRetention: props.logRetention,
      environment: {
        [ENV.gatewayId]: props.gatewayName,
        [ENV.waiterTable]: this.table.tableName,
        [ENV.historyTable]: props.historyTable.tableName,
        [ENV.payloadBucket]: props.payloadBucket.bucketName,
      },
      currentVersionOptions: { removalPolicy: RemovalPolicy.DESTROY },
    });
    this.function = handler.function;
    this.role = handler.role;
    this.alias = new lambda.Alias(this, 'Live', { aliasName: 'live', version: this.function.currentVersion });

    props.dispatcher.addEnvironment(ENV.waiterTable, this.table.tableName);
    for (const [grantee, owner] of [
      [this.role, this],
      [props.dispatcher, props.dispatcher.node.scope!],
    ] as const) {
      grants.grantWaiterTable(grantee, this.table, props.payloadBucket);
      acknowledgeWaiterPayloadReads(owner, props.payloadBucket);
    }
    grants.grantWaiter(this.role, props);
    acknowledgeTracing(this.role);

    Aspects.of(this.node.root).add(new WaiterStateMachines(this));
    this.node.addValidation({ validate: () => this.errors });
  }

  /** Records a waitForWebhook state (its id appears in the definitions of the state machines that use it). */
  add(state: WaiterState): void {
    this.states.push(state);
  }

  /** Called by the aspect for every state machine of the app. */
  visitStateMachine(machine: sfn.CfnStateMachine): void {
    const definition = machine.definitionString ?? machine.definition;
    if (definition === undefined) return;
    const text = JSON.stringify(Stack.of(machine).resolve(definition));
    const found = this.states.filter((s) => text.includes(s.waiterId));
    if (found.length === 0) return;
    const path = (machine.node.scope ?? machine).node.path;
    if (machine.stateMachineType === sfn.StateMachineType.EXPRESS) {
      for (const s of found) {
        this.errors.push(
          `waitForWebhook "${s.name}": state machine "${path}" is an EXPRESS workflow; waiters need a STANDARD workflow ` +
            '(Express workflows have no task tokens, so nothing could resume them)',
        );
      }
      return;
    }
    this.grantTaskResponses(machine);
  }

  /** states:SendTaskSuccess and SendTaskFailure on the state machine, for the registrar and the dispatcher. */
  private grantTaskResponses(machine: sfn.CfnStateMachine): void {
    const stack = Stack.of(machine);
    let statement = this.policies.get(stack);
    if (!statement) {
      statement = new iam.PolicyStatement({ actions: ['states:SendTaskSuccess', 'states:SendTaskFailure'] });
      this.policies.set(stack, statement);
      // In the state machine's stack, so that a workflow in another stack only depends on the gateway's.
      const [scope, id] =
        stack === Stack.of(this) ? [this, 'TaskResponses'] : [stack, `WebhookWaiters${this.node.addr.slice(0, 10)}`];
      new iam.Policy(scope, id, {
        roles: [this.role, this.props.dispatcher.role!],
        statements: [statement],
      });
    }
    statement.addResources(machine.attrArn);
  }
}

class WaiterStateMachines implements IAspect {
  constructor(private readonly waiters: Waiters) {}

  visit(node: IConstruct): void {
    if (node instanceof sfn.CfnStateMachine) this.waiters.visitStateMachine(node);
  }
}

/** A waitForWebhook state's id, unique in the app (construct paths are) and found again in definitions. */
export function waiterIdOf(scope: IConstruct, id: string): string {
  return `waiter-${createHash('sha256').update(`${scope.node.path}/${id}`).digest('hex').slice(0, 32)}`;
}
