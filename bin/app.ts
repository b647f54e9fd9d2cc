#!/usr/bin/env -S npx tsx
import { App, Stack } from 'aws-cdk-lib';

// The example app grows with the construct library (lib/); for now an empty stack that synthesizes offline.
const app = new App();
new Stack(app, 'WebhookGatewayExample', { description: 'Webhook gateway example' });
app.synth();
