import { Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ENV } from '../../lambdas/core/config/environment';
import { JwtAlgorithm, type WebhookGateway, type WebhookGatewayProps, WebhookSource } from 'aws-webhook-gateway';
import { gatewayFixture, logicalIdOf } from './helpers';

/** The synth error of a gateway with `props`, configured by `configure`; undefined when it synthesizes. */
function synthError(props: WebhookGatewayProps, configure: (gateway: WebhookGateway) => void = () => undefined) {
  const { stack, gateway } = gatewayFixture(props);
  try {
    configure(gateway);
    Template.fromStack(stack);
    return undefined;
  } catch (error) {
    return String(error);
  }
}

function ingestEnvironment(props: WebhookGatewayProps): Record<string, unknown> {
  const { stack, gateway } = gatewayFixture(props);
  const template = Template.fromStack(stack).toJSON() as { Resources: Record<string, { Properties: never }> };
  const fn = template.Resources[logicalIdOf(gateway.ingestFunction)]!.Properties as {
    Environment: { Variables: Record<string, unknown> };
  };
  return fn.Environment.Variables;
}

const event = { eventKey: "'e'" };

describe('dedupRetention', () => {
  it('keeps dedup markers 90 days by default, or as long as a longer history', () => {
    expect(ingestEnvironment({})).toMatchObject({ [ENV.dedupRetentionDays]: '90', [ENV.historyRetentionDays]: '30' });
    expect(ingestEnvironment({ historyRetention: Duration.days(120) })).toMatchObject({
      [ENV.dedupRetentionDays]: '120',
    });
    expect(ingestEnvironment({ dedupRetention: Duration.days(365) })).toMatchObject({
      [ENV.dedupRetentionDays]: '365',
    });
  });

  it('fails if dedupRetention is shorter than historyRetention', () => {
    expect(synthError({ historyRetention: Duration.days(30), dedupRetention: Duration.days(7) })).toMatch(
      /dedupRetention 7 days is shorter than historyRetention 30 days: .*set dedupRetention to at least historyRetention/,
    );
  });

  it("fails if a signed window (2 × tolerance, or a JWT's maxTokenAge + 2 × clockSkew) is not shorter than dedupRetention, naming the webhook and the option", () => {
    const props = { historyRetention: Duration.days(1), dedupRetention: Duration.days(2) };
    expect(
      synthError(props, (g) =>
        g.addWebhook('stripe', { source: WebhookSource.stripe({ tolerance: Duration.days(1) }), ...event }),
      ),
    ).toMatch(
      /webhook "stripe": source stripe: its tolerance lets the same signed request be accepted for 172800 s, which is not shorter than dedupRetention 2 days \(172800 s\).*shorten tolerance or lengthen the gateway's dedupRetention/,
    );
    expect(
      synthError(props, (g) =>
        g.addWebhook('stripe', { source: WebhookSource.stripe({ tolerance: Duration.hours(23) }), ...event }),
      ),
    ).toBeUndefined();
    const hmac = WebhookSource.hmac({
      header: 'x-sig',
      signedContent: '{timestamp}.{body}',
      timestampHeader: 'x-ts',
      tolerance: Duration.days(3),
    });
    expect(
      synthError(props, (g) =>
        g.addWebhook('orders', { source: WebhookSource.allOf(WebhookSource.apiKey(), hmac), ...event }),
      ),
    ).toMatch(/webhook "orders": source hmac: its tolerance lets the same signed request be accepted for 518400 s/);
    // A JWT is accepted from clockSkew before its iat to maxTokenAge + clockSkew after: 1 day + 2 × 30 s here.
    expect(
      synthError(props, (g) =>
        g.addWebhook('ci', { source: WebhookSource.jwt({ algorithms: [JwtAlgorithm.HS256] }), ...event }),
      ),
    ).toBeUndefined();
    expect(
      synthError(props, (g) =>
        g.addWebhook('ci', {
          source: WebhookSource.jwt({ algorithms: [JwtAlgorithm.HS256], maxTokenAge: Duration.days(2) }),
          ...event,
        }),
      ),
    ).toMatch(/webhook "ci": source jwt: its maxTokenAge lets the same signed request be accepted for 172860 s/);
    // requireExpiry: false accepts a token with neither iat nor exp for ever: no window to check (a replay
    // is refused only while its marker lives, as for schemes without a signed timestamp).
    expect(
      synthError(props, (g) =>
        g.addWebhook('ci', {
          source: WebhookSource.jwt({
            algorithms: [JwtAlgorithm.HS256],
            requireExpiry: false,
            maxTokenAge: Duration.days(2),
          }),
          ...event,
        }),
      ),
    ).toBeUndefined();
  });

  it('accepts every preset with its own default tolerance under the default retention', () => {
    const presets = [
      'stripe',
      'standardWebhooks',
      'svix',
      'slack',
      'sendgrid',
      'discord',
      'zoom',
      'linear',
      'paddle',
    ] as const;
    expect(
      synthError({}, (g) => {
        for (const p of presets) g.addWebhook(p.toLowerCase(), { source: WebhookSource[p](), ...event });
        g.addWebhook('github', { source: WebhookSource.github(), ...event });
      }),
    ).toBeUndefined();
  });
});

describe('hmac delivery ids', () => {
  it('fails if idHeader is not signed, unless it is marked as a label', () => {
    const unsigned = WebhookSource.hmac({ header: 'x-sig', idHeader: 'x-delivery' });
    expect(synthError({}, (g) => g.addWebhook('orders', { source: unsigned, ...event }))).toMatch(
      /webhook "orders": source hmac: idHeader "x-delivery" is not signed \(signedContent "\{body\}" has no \{id\}\).*set idHeaderIsLabel: true/,
    );
    const label = WebhookSource.hmac({ header: 'x-sig', idHeader: 'x-delivery', idHeaderIsLabel: true });
    expect(synthError({}, (g) => g.addWebhook('orders', { source: label, ...event }))).toBeUndefined();
    expect(label._bind().verifier).toMatchObject({ idHeader: 'x-delivery', idHeaderIsLabel: true });
    const signed = WebhookSource.hmac({ header: 'x-sig', signedContent: '{id}.{body}', idHeader: 'x-delivery' });
    expect(synthError({}, (g) => g.addWebhook('orders', { source: signed, ...event }))).toBeUndefined();
  });
});
