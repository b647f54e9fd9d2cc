import { Duration, Size } from 'aws-cdk-lib';
import { Annotations, Template } from 'aws-cdk-lib/assertions';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { describe, expect, it } from 'vitest';
import { HandshakeFormat, JwtAlgorithm, type WebhookGateway, WebhookSource } from 'aws-webhook-gateway';
import { gatewayConfig, gatewayFixture, stateMachine } from './helpers';

/** The error of building and synthesizing the app, or undefined when both succeed. */
function synthError(configure: (gateway: WebhookGateway, stack: ReturnType<typeof gatewayFixture>['stack']) => void) {
  const { stack, gateway } = gatewayFixture();
  try {
    configure(gateway, stack);
    Template.fromStack(stack);
    return undefined;
  } catch (error) {
    return String(error);
  }
}

const github = { source: WebhookSource.github(), eventKey: "'github:' + headers['x-github-event']" };

describe('synth-time validation', () => {
  it('synthesizes a valid gateway', () => {
    expect(
      synthError((g, s) => {
        g.addWebhook('github', github);
        g.route('github:*', stateMachine(s, 'Target'), { webhook: 'github', filter: "eventKey != 'github:ping'" });
      }),
    ).toBeUndefined();
  });

  it('fails if an expression is not valid CEL, naming the webhook, the field and the position', () => {
    expect(
      synthError((g) =>
        g.addWebhook('stripe', { source: WebhookSource.stripe(), eventKey: "'stripe:' + input.type)" }),
      ),
    ).toMatch(/\[Test\/Webhooks\] webhook "stripe": eventKey is not valid CEL at 1:23: /);
  });

  it('fails if scope or a route filter has the wrong type', () => {
    const error = synthError((g, s) => {
      g.addWebhook('github', { ...github, scope: 'input.count > 1' });
      g.route('github:*', stateMachine(s, 'Target'), { filter: "'yes'" });
    });
    expect(error).toMatch(/webhook "github": scope must return string or null, got bool/);
    expect(error).toMatch(/route "github:\*": filter must return bool, got string/);
  });

  it('fails if staticPayload is not a JSON object', () => {
    expect(synthError((g) => g.addWebhook('github', { ...github, staticPayload: { when: new Date(0) } }))).toMatch(
      /webhook "github": staticPayload.when is not a JSON value/,
    );
  });

  it.each(['GitHub', 'a/b', 'hooks?x', '', '-leading', 'x'.repeat(65)])(
    'fails if the name %j is not URL-safe',
    (name) => {
      expect(synthError((g) => g.addWebhook(name, github))).toMatch(/is not URL-safe/);
    },
  );

  it('fails if a name is added twice', () => {
    expect(
      synthError((g) => {
        g.addWebhook('github', github);
        g.addWebhook('github', github);
      }),
    ).toMatch(/webhook "github" is added twice: give each webhook its own name/);
  });

  it('fails if a route names a webhook that does not exist, even one added later', () => {
    const error = synthError((g, s) => {
      g.route('github:*', stateMachine(s, 'Target'), { webhook: 'gihtub' });
      g.addWebhook('github', github);
    });
    expect(error).toMatch(/route "github:\*": webhook "gihtub" does not exist; known webhooks: github/);
  });

  it('passes if a route is declared before its webhook', () => {
    expect(
      synthError((g, s) => {
        g.route('github:*', stateMachine(s, 'Target'), { webhook: 'github' });
        g.addWebhook('github', github);
      }),
    ).toBeUndefined();
  });

  it('fails if a route has no target', () => {
    expect(
      synthError((g) => {
        g.addWebhook('github', github);
        g.route('github:*', undefined as unknown as sfn.IStateMachine);
      }),
    ).toMatch(/route "github:\*": has no target/);
  });

  it('fails if the same route is added twice', () => {
    expect(
      synthError((g, s) => {
        const target = stateMachine(s, 'Target');
        g.addWebhook('github', github);
        g.route('github:*', target);
        g.route('github:*', target);
      }),
    ).toMatch(/route "github:\*": is added twice \(same pattern, options and target\): remove one/);
  });

  it('fails if workflowType contradicts the state machine', () => {
    expect(
      synthError((g, s) => {
        g.addWebhook('github', github);
        g.route('github:*', stateMachine(s, 'Target'), { workflowType: sfn.StateMachineType.EXPRESS });
      }),
    ).toMatch(/workflowType EXPRESS contradicts the state machine's type STANDARD/);
  });

  it.each([
    [
      'basicAuth without a user name',
      WebhookSource.basicAuth({ username: '' }),
      /source basicAuth: username must not be empty/,
    ],
    [
      'headerMatch without headers',
      WebhookSource.headerMatch({ headers: {} }),
      /source headerMatch: headers must name/,
    ],
    ['jwt without algorithms', WebhookSource.jwt({ algorithms: [] }), /source jwt: algorithms must list/],
    [
      'hmac without a header',
      WebhookSource.hmac({ header: '' }),
      /source hmac: header "" is not a valid HTTP header name/,
    ],
  ])('fails if a scheme misses its key: %s', (_, source, message) => {
    expect(synthError((g) => g.addWebhook('hook', { source, eventKey: "'x'" }))).toMatch(message);
  });

  it('fails if a jwt maxTokenAge is longer than 365 days', () => {
    const source = WebhookSource.jwt({ algorithms: [JwtAlgorithm.HS256], maxTokenAge: Duration.days(400) });
    expect(synthError((g) => g.addWebhook('ci', { source, eventKey: "'x'" }))).toMatch(
      'webhook "ci": source jwt: maxTokenAge 34560000 s must be a whole number of seconds from 1 to 31536000 (365 days)',
    );
  });

  it('fails if a secret is given both to the webhook and to its source', () => {
    expect(
      synthError((g, s) => {
        const one = new secretsmanager.Secret(s, 'One');
        const two = new secretsmanager.Secret(s, 'Two');
        g.addWebhook('github', { ...github, source: WebhookSource.github({ secret: one }), secret: two });
      }),
    ).toMatch(/webhook "github": secret is given both to the webhook and to github\(\): give it once/);
  });

  it('fails if a secret is given to a webhook whose source reads none', () => {
    expect(
      synthError((g, s) =>
        g.addWebhook('open', {
          source: WebhookSource.none(),
          eventKey: "'open'",
          secret: new secretsmanager.Secret(s, 'S'),
        }),
      ),
    ).toMatch(/webhook "open": secret is given, but source none reads no secret: remove it, or use a source that/);
  });

  it('fails if limits or the body size are out of range', () => {
    const error = synthError((g) =>
      g.addWebhook('github', {
        ...github,
        rateLimit: { rate: 0, burst: 1.5 },
        maxBodySize: Size.mebibytes(5),
        successResponse: { statusCode: 302, contentType: 'text/plain', body: '' },
        publicUrl: 'not a url',
      }),
    );
    expect(error).toMatch(/rateLimit.rate 0 must be a positive number/);
    expect(error).toMatch(/rateLimit.burst 1.5 must be a whole number/);
    expect(error).toMatch(/maxBodySize 5242880 bytes must be between 1 byte and 4194304 bytes/);
    expect(error).toMatch(/successResponse.statusCode 302 must be 2xx/);
    expect(error).toMatch(/publicUrl "not a url" is not an absolute URL/);
  });

  it('stores a generic handshake as the runtime reads it', () => {
    const { stack, gateway } = gatewayFixture();
    const source = WebhookSource.hmac({ header: 'x-signature' });
    const handshake = { field: 'type', equalTo: 'url_verification', respondWith: 'challenge' };
    gateway.addWebhook('json', { source, eventKey: 'input.type', handshake });
    gateway.addWebhook('text', {
      source,
      eventKey: 'input.type',
      handshake: { ...handshake, respondAs: HandshakeFormat.TEXT },
    });
    const [json, text] = gatewayConfig(stack).webhooks;
    expect(json!.handshake).toEqual({ field: 'type', equals: 'url_verification', respondWith: 'challenge' });
    expect(text!.handshake).toEqual({
      field: 'type',
      equals: 'url_verification',
      respondWith: 'challenge',
      as: 'text',
    });
  });

  it('fails if a handshake lacks a field, the value to compare or the field to echo', () => {
    expect(
      synthError((g) =>
        g.addWebhook('events', { ...github, handshake: { field: 'type', equalTo: '', respondWith: 'challenge' } }),
      ),
    ).toMatch(/webhook "events": handshake needs field, equalTo and respondWith/);
  });

  it('warns (does not fail) when a webhook is not verified at all', () => {
    const { stack, gateway } = gatewayFixture();
    gateway.addWebhook('open', { source: WebhookSource.none(), eventKey: "'open'" });
    Annotations.fromStack(stack).hasWarning(
      '/Test/Webhooks',
      'webhook "open": source is none: every request is accepted without verification [ack: webhook-gateway:unverified-source]',
    );
  });
});
