import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { gatewaysOf } from '../../cli/app-model';
import { readAssembly } from '../../cli/assembly';
import { GatewayOutput, GatewayOutputs, WebhookSource } from 'aws-webhook-gateway';
import { gatewayFixture } from './helpers';

function fixture(outputs?: boolean) {
  const f = gatewayFixture(outputs === undefined ? {} : { outputs });
  f.gateway.addWebhook('github', { source: WebhookSource.github(), eventKey: "'github'" });
  return f;
}

describe('outputs', () => {
  it('are written under the keys GatewayOutputs names, and the local tools find the gateway by them', () => {
    const { app, stack } = fixture();
    // …and RestApi's own `Endpoint` output.
    const keys = Object.keys(Template.fromStack(stack).toJSON().Outputs).filter(
      (k) => !k.startsWith('WebhooksApiEndpoint'),
    );
    const expected = Object.values(GatewayOutput)
      .filter((o) => o !== GatewayOutput.DOMAIN_TARGET)
      .map((o) => GatewayOutputs.keyOf('Webhooks', o));
    expect(keys.sort()).toEqual(expected.sort());
    const [model] = gatewaysOf(readAssembly(app.synth().directory));
    expect(model!.config.webhooks.map((w) => w.name)).toEqual(['github']);
  });

  it('are left out with outputs: false, and the local tools then say they cannot find the gateway', () => {
    const { app, stack } = fixture(false);
    expect(Template.fromStack(stack).toJSON().Outputs).toBeUndefined();
    expect(() => gatewaysOf(readAssembly(app.synth().directory))).toThrow(
      /the app defines no WebhookGateway .*a gateway with `outputs: false` cannot run locally/,
    );
  });
});
