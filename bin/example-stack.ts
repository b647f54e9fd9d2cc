import { Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { Period } from 'aws-cdk-lib/aws-apigateway';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { HmacAlgorithm, SignatureEncoding, WebhookGateway, WebhookSource } from 'aws-webhook-gateway';

/**
 * The example app: GitHub, Stripe, Slack and a generic HMAC sender routed to small workflows, and
 * a deployment workflow that waits for an approving review of its pull request. `npm start`
 * synthesizes it and the local gateway serves it.
 */
export class WebhookGatewayExampleStack extends Stack {
  readonly gateway: WebhookGateway;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    const gateway = (this.gateway = new WebhookGateway(this, 'Webhooks'));

    gateway.addWebhook('github', {
      source: WebhookSource.github(),
      eventKey: "'github:' + headers['x-github-event']",
      scope: 'input.repository.full_name',
    });
    gateway.addWebhook('stripe', {
      source: WebhookSource.stripe(),
      eventKey: "'stripe:' + input.type",
      scope: 'input.data.object.customer',
      staticPayload: { environment: 'example' },
      rateLimit: { rate: 50, burst: 100, quota: { limit: 100_000, period: Period.DAY } },
    });
    gateway.addWebhook('slack', {
      source: WebhookSource.slack(),
      eventKey: "'slack:' + (has(input.event) ? input.event.type : input.type)",
      scope: 'input.team_id',
    });
    gateway.addWebhook('orders', {
      source: WebhookSource.hmac({
        header: 'x-signature',
        algorithm: HmacAlgorithm.SHA256,
        encoding: SignatureEncoding.HEX,
        prefix: 'sha256=',
        signedContent: '{timestamp}.{body}',
        timestampHeader: 'x-timestamp',
        tolerance: Duration.minutes(5),
      }),
      eventKey: "'orders:' + input.event",
      scope: 'input.customerId',
      idempotencyKey: 'input.id',
      rateLimit: { rate: 10, burst: 20, quota: { limit: 10_000, period: Period.WEEK } },
    });

    const processPayment = this.workflow('ProcessPayment', sfn.StateMachineType.STANDARD);
    const notify = this.workflow('NotifyTeam', sfn.StateMachineType.EXPRESS);
    gateway.grantReadPayloads(processPayment);

    gateway.route('stripe:payment_intent.succeeded', processPayment, { filter: 'input.data.object.amount > 1000' });
    gateway.route('orders:created', processPayment, { webhook: 'orders' });
    gateway.route('github:*', notify, { webhook: 'github' });
    gateway.route('slack:app_mention', notify, { webhook: 'slack' });

    gateway.route('github:pull_request', this.deployment(), {
      webhook: 'github',
      filter: "input.action == 'opened'",
    });
  }

  /**
   * Started by a pull request; waits (up to 7 days) for an approving review of that same pull
   * request in the same repository, then deploys. Waiting needs a Standard workflow.
   */
  private deployment(): sfn.StateMachine {
    const approval = this.gateway.waitForWebhook(this, 'WaitForApproval', {
      webhook: 'github',
      eventKey: 'github:pull_request_review',
      match:
        "event.payload.action == 'submitted' && event.payload.review.state == 'approved' && " +
        'event.scope == values.repository && event.payload.pull_request.number == values.pr',
      values: { pr: sfn.JsonPath.numberAt('$.payload.number'), repository: sfn.JsonPath.stringAt('$.scope') },
      timeout: Duration.days(7),
      resultPath: '$.approval',
    });
    const deploy = new sfn.Pass(this, 'Deploy', {
      parameters: {
        'repository.$': '$.scope',
        'pr.$': '$.payload.number',
        'approvedBy.$': '$.approval.payload.review.user.login',
        'approvedAt.$': '$.approval.receivedAt',
      },
    });
    const notApproved = new sfn.Fail(this, 'NotApproved', {
      error: 'NotApproved',
      cause: 'No approving review within 7 days',
    });
    approval.addCatch(notApproved, { errors: [sfn.Errors.TIMEOUT] });
    return this.stateMachine('DeployPullRequest', sfn.StateMachineType.STANDARD, approval.next(deploy));
  }

  /** A small workflow that records the event it was started with. */
  private workflow(id: string, stateMachineType: sfn.StateMachineType): sfn.StateMachine {
    const summary = new sfn.Pass(this, `${id}Summary`, {
      parameters: {
        'webhook.$': '$.webhook',
        'eventKey.$': '$.eventKey',
        'deliveryId.$': '$.deliveryId',
      },
    });
    return this.stateMachine(id, stateMachineType, summary.next(new sfn.Succeed(this, `${id}Done`)));
  }

  /** A state machine with X-Ray tracing and full logging to an encrypted log group. */
  private stateMachine(id: string, stateMachineType: sfn.StateMachineType, definition: sfn.IChainable) {
    const machine = new sfn.StateMachine(this, id, {
      stateMachineType,
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      tracingEnabled: true,
      logs: {
        destination: new logs.LogGroup(this, `${id}Logs`, {
          encryptionKey: this.gateway.encryptionKey,
          retention: logs.RetentionDays.ONE_MONTH,
        }),
        level: sfn.LogLevel.ALL,
      },
    });
    Validations.of(machine).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'X-Ray tracing and CloudWatch Logs delivery (logs:CreateLogDelivery and friends) do not support resource-level permissions.',
    });
    return machine;
  }
}
