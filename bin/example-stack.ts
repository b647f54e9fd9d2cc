import { Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { HmacAlgorithm, Period, SignatureEncoding, WebhookGateway, WebhookSource } from '../lib';

/**
 * The example app: GitHub, Stripe, Slack and a generic HMAC sender routed to two small
 * workflows. `npm start` synthesizes it and the local gateway serves it.
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
    const machine = new sfn.StateMachine(this, id, {
      stateMachineType,
      definitionBody: sfn.DefinitionBody.fromChainable(summary.next(new sfn.Succeed(this, `${id}Done`))),
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
