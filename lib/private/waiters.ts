import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Aspects, type CfnElement, Duration, type IAspect, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct, type IConstruct } from 'constructs';
import { ENV, METRICS } from '../../lambdas/core/config/environment';
import { TABLE_KEYS } from '../../lambdas/core/config/tables';
import { BUNDLING } from './functions';

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

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

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
    const destroy = props.removalPolicy === RemovalPolicy.DESTROY;
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: TABLE_KEYS.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TABLE_KEYS.sortKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: TABLE_KEYS.ttl,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: props.key,
      deletionProtection: !destroy,
      removalPolicy: props.removalPolicy,
    });

    const description = 'Registers waitForWebhook waiters and resumes them from recent events';
    const logGroup = new logs.LogGroup(this, 'Logs', {
      encryptionKey: props.key,
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `${description} (${this.node.path})`,
    });
    logGroup.grantWrite(this.role);
    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry: `${ROOT}lambdas/waiter/index.ts`,
      handler: 'handler',
      projectRoot: ROOT,
      depsLockFilePath: `${ROOT}package-lock.json`,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      timeout: Duration.seconds(30),
      description,
      tracing: lambda.Tracing.ACTIVE,
      role: this.role,
      logGroup,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: 'webhook-gateway-waiter',
        POWERTOOLS_METRICS_NAMESPACE: METRICS.namespace,
        [ENV.gatewayId]: props.gatewayName,
        [ENV.waiterTable]: this.table.tableName,
        [ENV.historyTable]: props.historyTable.tableName,
        [ENV.payloadBucket]: props.payloadBucket.bucketName,
      },
      bundling: BUNDLING,
      currentVersionOptions: { removalPolicy: RemovalPolicy.DESTROY },
    });
    this.alias = new lambda.Alias(this, 'Live', { aliasName: 'live', version: this.function.currentVersion });

    props.dispatcher.addEnvironment(ENV.waiterTable, this.table.tableName);
    for (const [grantee, owner] of [
      [this.role, this],
      [props.dispatcher, props.dispatcher.node.scope!],
    ] as const) {
      allow(
        grantee,
        ['dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
        [this.table.tableArn],
      );
      allow(grantee, ['s3:GetObject'], [props.payloadBucket.arnForObjects('*')]);
      acknowledge(owner, payloadObjectsFinding(props.payloadBucket), PAYLOAD_READS);
    }
    allow(this.role, ['dynamodb:UpdateItem'], [props.historyTable.tableArn]);
    allow(this.role, ['kms:Decrypt', 'kms:GenerateDataKey'], [props.key.keyArn]);
    acknowledge(this.role, 'AwsSolutions-IAM5[Resource::*]', XRAY);

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

function allow(grantee: iam.IGrantable, actions: string[], resources: string[]): void {
  iam.Grant.addToPrincipal({ grantee, actions, resourceArns: resources });
}

function acknowledge(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}

const XRAY =
  'X-Ray active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords do not support resource-level permissions.';
const PAYLOAD_READS =
  "Waiters read the payloadRef object of a large event to evaluate a waiter's match; object keys are chosen per delivery (s3:GetObject only, one bucket).";

/** How cdk-nag names the bucket's objects (`<logicalId.Arn>/*`). */
function payloadObjectsFinding(bucket: s3.IBucket): string {
  const cfn = bucket.node.defaultChild as CfnElement;
  return `AwsSolutions-IAM5[Resource::<${String(Stack.of(cfn).resolve(cfn.logicalId))}.Arn>/*]`;
}

/** A waitForWebhook state's id, unique in the app (construct paths are) and found again in definitions. */
export function waiterIdOf(scope: IConstruct, id: string): string {
  return `waiter-${createHash('sha256').update(`${scope.node.path}/${id}`).digest('hex').slice(0, 32)}`;
}
