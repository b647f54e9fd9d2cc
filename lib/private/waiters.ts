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
  /** Grants state machines in the stacks of waitForWebhook states automatically (`autoGrantResume`). */
  readonly autoGrant: boolean;
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
 * dispatcher's access to both, and the task-token permissions on exactly the state machines that
 * use a waiter: granted by `grantResume`, or found at synth in the stacks of the waitForWebhook
 * states (`autoGrant`). Synth fails for a state machine of the app that uses a waiter ungranted.
 */
export class Waiters extends Construct {
  readonly table: dynamodb.Table;
  readonly function: nodejs.NodejsFunction;
  /** What the states invoke: `live`, the function's current version. */
  readonly alias: lambda.Alias;
  readonly role: iam.Role;
  private readonly states: WaiterState[] = [];
  private readonly policies = new Map<Stack, TaskResponsesPrincipal>();
  private readonly granted = new Map<sfn.CfnStateMachine, iam.Grant>();
  private readonly scanned = new Set<Stack>();

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

    this.node.addValidation({ validate: () => this.stateMachineProblems() });
  }

  /**
   * Records a waitForWebhook state (its id appears in the definitions of the state machines that
   * use it). With `autoGrant`, the state machines of `stack` that use it get their task-token grants
   * at synth (an aspect on that stack).
   */
  add(state: WaiterState, stack: Stack): void {
    this.states.push(state);
    if (this.props.autoGrant && !this.scanned.has(stack)) {
      this.scanned.add(stack);
      Aspects.of(stack).add(new WaiterStateMachines(this));
    }
  }

  /** Called by the aspect for every state machine of a stack with waitForWebhook states. */
  visitStateMachine(machine: sfn.CfnStateMachine): void {
    if (this.usedStates(machine).length > 0 && machine.stateMachineType !== sfn.StateMachineType.EXPRESS)
      this.grant(machine.attrArn, Stack.of(machine), machine);
  }

  /** states:SendTaskSuccess and SendTaskFailure on `machine`, for the registrar and the dispatcher. */
  grantResume(machine: sfn.IStateMachine): iam.Grant {
    const cfn = machine.node.defaultChild;
    if (cfn instanceof sfn.CfnStateMachine) return this.grant(cfn.attrArn, Stack.of(cfn), cfn);
    return this.grant(machine.stateMachineArn, Stack.of(machine), undefined);
  }

  private usedStates(machine: sfn.CfnStateMachine): WaiterState[] {
    const definition = machine.definitionString ?? machine.definition;
    if (definition === undefined) return [];
    const text = JSON.stringify(Stack.of(machine).resolve(definition));
    return this.states.filter((s) => text.includes(s.waiterId));
  }

  /** Every state machine of the app that uses a waiter: Express ones and those never granted fail synth. */
  private stateMachineProblems(): string[] {
    const machines = this.node.root.node.findAll().filter((n) => n instanceof sfn.CfnStateMachine);
    return machines.flatMap((machine) => {
      const found = this.usedStates(machine);
      const path = (machine.node.scope ?? machine).node.path;
      if (machine.stateMachineType === sfn.StateMachineType.EXPRESS) {
        return found.map(
          (s) =>
            `waitForWebhook "${s.name}": state machine "${path}" is an EXPRESS workflow; waiters need a STANDARD workflow ` +
            '(Express workflows have no task tokens, so nothing could resume them)',
        );
      }
      if (found.length === 0 || this.granted.has(machine)) return [];
      return [
        `waitForWebhook "${found[0]!.name}": state machine "${path}" uses the waiter but the gateway may not resume it: call gateway.grantResume(stateMachine) (automatic grants, autoGrantResume, cover only state machines in the stack of the waitForWebhook scope)`,
      ];
    });
  }

  private grant(arn: string, stack: Stack, machine: sfn.CfnStateMachine | undefined): iam.Grant {
    const earlier = machine && this.granted.get(machine);
    if (earlier) return earlier;
    let principal = this.policies.get(stack);
    if (!principal) {
      // In the state machine's stack, so that a workflow in another stack only depends on the gateway's.
      const [scope, id] =
        stack === Stack.of(this) ? [this, 'TaskResponses'] : [stack, `WebhookWaiters${this.node.addr.slice(0, 10)}`];
      principal = new TaskResponsesPrincipal(
        new iam.Policy(scope, id, { roles: [this.role, this.props.dispatcher.role!] }),
        this.role,
      );
      this.policies.set(stack, principal);
    }
    const grant = iam.Grant.addToPrincipal({
      grantee: principal,
      actions: ['states:SendTaskSuccess', 'states:SendTaskFailure'],
      resourceArns: [arn],
    });
    if (machine) this.granted.set(machine, grant);
    return grant;
  }
}

/**
 * The waiter function's and the dispatcher's task-token permissions in one stack: one policy of
 * that stack, whose single statement takes the ARN of every state machine granted there.
 */
class TaskResponsesPrincipal implements iam.IPrincipal {
  readonly grantPrincipal: iam.IPrincipal = this;
  readonly assumeRoleAction: string;
  readonly policyFragment: iam.PrincipalPolicyFragment;
  readonly principalAccount: string | undefined;
  private statement?: iam.PolicyStatement;

  constructor(
    private readonly policy: iam.Policy,
    role: iam.IRole,
  ) {
    this.assumeRoleAction = role.assumeRoleAction;
    this.policyFragment = role.policyFragment;
    this.principalAccount = role.principalAccount;
  }

  addToPolicy(statement: iam.PolicyStatement): boolean {
    return this.addToPrincipalPolicy(statement).statementAdded;
  }

  addToPrincipalPolicy(statement: iam.PolicyStatement): iam.AddToPrincipalPolicyResult {
    if (!this.statement) {
      this.statement = new iam.PolicyStatement({ actions: statement.actions });
      this.policy.addStatements(this.statement);
    }
    this.statement.addResources(...statement.resources);
    return { statementAdded: true, policyDependable: this.policy };
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
