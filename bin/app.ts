#!/usr/bin/env -S npx tsx
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { WebhookGatewayExampleStack } from './example-stack';

const app = new App();
new WebhookGatewayExampleStack(app, 'WebhookGatewayExample', {
  description: 'Webhook gateway example: GitHub, Stripe, Slack and a generic HMAC sender',
});
// cdk-nag's AwsSolutions rules run at every synth: an unacknowledged finding fails it.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
