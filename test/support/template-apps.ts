import { readFileSync } from 'node:fs';
import { App, Stack } from 'aws-cdk-lib';
import { Period } from 'aws-cdk-lib/aws-apigateway';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { WebhookGatewayExampleStack } from '../../bin/example-stack';
import { HmacAlgorithm, JwtAlgorithm, WebhookGateway, WebhookSource } from 'aws-webhook-gateway';

/** The context `cdk synth` and `cdk deploy` give the app: cdk.json's feature flags. */
export function cdkJsonContext(): Record<string, unknown> {
  return (
    JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context: Record<string, unknown> }
  ).context;
}

/**
 * An app synthesized as `cdk deploy` would (cdk.json's context), without Lambda bundling (the
 * templates only name the asset) or the CDK's built-in validation (slow; a separate concern).
 */
export function deployLikeApp(outdir?: string): App {
  return new App({
    ...(outdir !== undefined && { outdir }),
    builtinCloudFormationValidation: false,
    context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] },
  });
}

/** bin/app.ts's stack, as bin/app.ts builds it. */
export function exampleApp(outdir?: string): { app: App; stack: WebhookGatewayExampleStack } {
  const app = deployLikeApp(outdir);
  const stack = new WebhookGatewayExampleStack(app, 'WebhookGatewayExample', {
    description: 'Webhook gateway example: GitHub, Stripe, Slack and a generic HMAC sender',
  });
  return { app, stack };
}

const SOURCES = [
  () => WebhookSource.github(),
  () => WebhookSource.stripe(),
  () => WebhookSource.slack(),
  () => WebhookSource.shopify(),
  () => WebhookSource.standardWebhooks(),
  () => WebhookSource.hmac({ header: 'x-signature', algorithm: HmacAlgorithm.SHA512, prefix: 'sha512=' }),
  () => WebhookSource.basicAuth({ username: 'sender' }),
  () => WebhookSource.jwt({ algorithms: [JwtAlgorithm.RS256], issuer: 'https://issuer.example.com' }),
  () => WebhookSource.allOf(WebhookSource.apiKey(), WebhookSource.hmac({ header: 'x-signature' })),
];

/**
 * `webhooks` webhooks of varied sources, limits and quotas, routed over 20 workflows (every fourth
 * Express), two routes per webhook: the shape of test/constructs/scale.test.ts's app.
 */
export function largeApp(webhooks: number, outdir?: string): { app: App; stack: Stack; gateway: WebhookGateway } {
  const app = deployLikeApp(outdir);
  const stack = new Stack(app, 'LargeWebhookGateway');
  const gateway = new WebhookGateway(stack, 'Webhooks');
  const targets = Array.from({ length: 20 }, (_, i) => {
    const pass = new sfn.Pass(stack, `Workflow${i}Pass`);
    return new sfn.StateMachine(stack, `Workflow${i}`, {
      stateMachineType: i % 4 === 0 ? sfn.StateMachineType.EXPRESS : sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromChainable(pass),
    });
  });
  for (let i = 0; i < webhooks; i++) {
    gateway.addWebhook(`hook-${i}`, {
      source: SOURCES[i % SOURCES.length]!(),
      eventKey: `'hook-${i}:' + input.type`,
      scope: 'input.account',
      rateLimit:
        i % 7 === 0
          ? { rate: 10, burst: 20, quota: { limit: 1000 * (1 + (i % 3)), period: i % 2 ? Period.DAY : Period.MONTH } }
          : undefined,
    });
    for (const n of [0, 1])
      gateway.route(`hook-${i}:event.${n}`, targets[(i + n) % targets.length]!, {
        webhook: `hook-${i}`,
        filter: 'input.amount > 10',
      });
  }
  return { app, stack, gateway };
}
