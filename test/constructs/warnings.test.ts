import { Annotations as Assertions, Match } from 'aws-cdk-lib/assertions';
import { Annotations } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { describe, expect, it } from 'vitest';
import { WebhookSource, type WebhookOptions } from 'aws-webhook-gateway';
import { gatewayFixture } from './helpers';

/** The ids of the warnings a webhook with these options raises (addWarningV2 appends `[ack: <id>]`). */
function warningIds(options: WebhookOptions, acknowledge?: string): string[] {
  const { stack, gateway } = gatewayFixture();
  gateway.addWebhook('hook', options);
  if (acknowledge) Annotations.of(gateway).acknowledgeWarning(acknowledge, 'tested');
  return Assertions.fromStack(stack)
    .findWarning('*', Match.anyValue())
    .map((w) => /\[ack: ([^\]]+)\]$/.exec(String(w.entry.data))?.[1] ?? 'none');
}

describe('synth warnings', () => {
  it.each([
    ['an unverified source', { source: WebhookSource.none(), eventKey: "'k'" }, 'webhook-gateway:unverified-source'],
    [
      'headerMatch alone',
      { source: WebhookSource.headerMatch({ headers: { 'x-token': 'abc' } }), eventKey: "'k'" },
      'webhook-gateway:header-match-alone',
    ],
    [
      'a pattern taken from the request',
      { source: WebhookSource.github(), eventKey: "'k'", filter: 'input.ref.matches(input.pattern)' },
      'webhook-gateway:dynamic-pattern',
    ],
    [
      'a staticPayload an array sender never gets',
      { source: WebhookSource.sendgrid(), eventKey: "'k'", staticPayload: { env: 'prod' } },
      'webhook-gateway:static-payload-ignored',
    ],
  ])('have one id per kind: %s', (_, options, id) => {
    expect(warningIds(options as WebhookOptions)).toEqual([id]);
  });

  it("include a route filter's, under the same id as a webhook's", () => {
    const { stack, gateway } = gatewayFixture();
    gateway.addWebhook('hook', { source: WebhookSource.github(), eventKey: "'k'" });
    const machine = new sfn.StateMachine(stack, 'Target', {
      definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(stack, 'Pass')),
    });
    gateway.route('k', machine, { filter: 'input.ref.matches(input.pattern)' });
    const warnings = Assertions.fromStack(stack).findWarning('*', Match.anyValue());
    expect(warnings.map((w) => String(w.entry.data))).toEqual([
      expect.stringMatching(
        /^route "k": .*matches\(\) with a pattern that is not a literal.*\[ack: webhook-gateway:dynamic-pattern\]$/s,
      ),
    ]);
  });

  it('are silenced by acknowledging their kind, whatever the webhook', () => {
    const options = { source: WebhookSource.none(), eventKey: "'k'" };
    expect(warningIds(options, 'webhook-gateway:unverified-source')).toEqual([]);
    expect(warningIds(options, 'webhook-gateway:hook')).toEqual(['webhook-gateway:unverified-source']);
  });
});
