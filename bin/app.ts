#!/usr/bin/env -S npx tsx
import { App } from 'aws-cdk-lib';
import { WebhookGatewayExampleStack } from './example-stack';

const app = new App();
new WebhookGatewayExampleStack(app, 'WebhookGatewayExample', {
  description: 'Webhook gateway example: GitHub, Stripe, Slack and a generic HMAC sender',
});
app.synth();
