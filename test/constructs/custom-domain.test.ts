import { Stack } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import { Template } from 'aws-cdk-lib/assertions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { describe, expect, it } from 'vitest';
import {
  type CustomDomainOptions,
  GatewayOutput,
  GatewayOutputs,
  WebhookGateway,
  WebhookSource,
} from 'aws-webhook-gateway';
import { gatewayConfig, logicalIdOf, testApp } from './helpers';

const CERTIFICATE_ARN = 'arn:aws:acm:eu-west-1:123456789012:certificate/0d3e7a52-1111-2222-3333-444455556666';

function fixture(domain?: Partial<CustomDomainOptions>, zone = false) {
  const stack = new Stack(testApp(), 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
  const certificate = acm.Certificate.fromCertificateArn(stack, 'Certificate', CERTIFICATE_ARN);
  const hostedZone = zone
    ? route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z0123', zoneName: 'example.com' })
    : undefined;
  const gateway = new WebhookGateway(stack, 'Webhooks', {
    ...(domain && {
      customDomain: { domainName: 'hooks.example.com', certificate, ...(hostedZone && { hostedZone }), ...domain },
    }),
  });
  const twilio = gateway.addWebhook('twilio', { source: WebhookSource.twilio(), eventKey: "'twilio'" });
  const signed = gateway.addWebhook('signed', {
    source: WebhookSource.hmac({ header: 'x-signature', signedContent: '{url}.{body}' }),
    eventKey: "'signed'",
    publicUrl: 'https://proxy.example.net/in/signed',
  });
  return { stack, gateway, twilio, signed, template: Template.fromStack(stack) };
}

function synthError(domain: Partial<CustomDomainOptions>): string | undefined {
  try {
    fixture(domain);
    return undefined;
  } catch (error) {
    return String(error);
  }
}

const output = (template: Template, name: GatewayOutput) =>
  template.toJSON().Outputs[GatewayOutputs.keyOf('Webhooks', name)]?.Value;

describe('customDomain', () => {
  const { template, gateway, twilio, signed, stack } = fixture({ basePath: 'in' }, true);

  it('is a regional domain with TLS 1.3 and TLS 1.2 with forward secrecy only, in strict endpoint access mode', () => {
    template.hasResourceProperties('AWS::ApiGateway::DomainName', {
      DomainName: 'hooks.example.com',
      RegionalCertificateArn: CERTIFICATE_ARN,
      EndpointConfiguration: { Types: ['REGIONAL'] },
      SecurityPolicy: 'SecurityPolicy_TLS13_1_2_PFS_PQ_2025_09',
      EndpointAccessMode: 'STRICT',
    });
  });

  it('maps the base path to the gateway stage', () => {
    template.hasResourceProperties('AWS::ApiGateway::BasePathMapping', {
      BasePath: 'in',
      DomainName: { Ref: logicalIdOf(gateway.domainName!) },
      RestApiId: { Ref: logicalIdOf(gateway.api) },
      Stage: { Ref: logicalIdOf(gateway.api.deploymentStage) },
    });
  });

  it('creates an alias A record in the hosted zone', () => {
    template.hasResourceProperties('AWS::Route53::RecordSet', {
      HostedZoneId: 'Z0123',
      Name: 'hooks.example.com.',
      Type: 'A',
      AliasTarget: {
        DNSName: { 'Fn::GetAtt': [logicalIdOf(gateway.domainName!), 'RegionalDomainName'] },
        HostedZoneId: { 'Fn::GetAtt': [logicalIdOf(gateway.domainName!), 'RegionalHostedZoneId'] },
      },
    });
  });

  it('gives the custom-domain URLs to the outputs, the gateway and its webhooks', () => {
    expect(output(template, GatewayOutput.API_URL)).toBe('https://hooks.example.com/in/');
    expect(output(template, GatewayOutput.DOMAIN_TARGET)).toEqual({
      'Fn::GetAtt': [logicalIdOf(gateway.domainName!), 'RegionalDomainName'],
    });
    expect(gateway.url).toBe('https://hooks.example.com/in/');
    expect(twilio.url).toBe('https://hooks.example.com/in/webhooks/twilio');
  });

  it('stores the custom-domain URL as the publicUrl each webhook verifies against, unless the webhook sets its own', () => {
    const byName = Object.fromEntries(gatewayConfig(stack).webhooks.map((w) => [w.name, w]));
    expect(byName.twilio!.publicUrl).toBe('https://hooks.example.com/in/webhooks/twilio');
    expect(byName.signed!.publicUrl).toBe('https://proxy.example.net/in/signed');
    expect(signed.url).toBe('https://hooks.example.com/in/webhooks/signed');
  });

  it('keeps the execute-api endpoint unless asked', () => {
    expect(template.toJSON().Resources[logicalIdOf(gateway.api)].Properties).not.toHaveProperty(
      'DisableExecuteApiEndpoint',
    );
  });
});

describe('customDomain options', () => {
  it('turns the execute-api endpoint off, which redeploys the stage', () => {
    const off = fixture({ disableExecuteApiEndpoint: true });
    const on = fixture({});
    off.template.hasResourceProperties('AWS::ApiGateway::RestApi', { DisableExecuteApiEndpoint: true });
    const deployment = (t: Template) => Object.keys(t.findResources('AWS::ApiGateway::Deployment'))[0];
    expect(deployment(off.template)).not.toBe(deployment(on.template));
  });

  it('maps a multi-level base path with an API mapping', () => {
    const { template, gateway } = fixture({ basePath: '/github/app/' });
    template.hasResourceProperties('AWS::ApiGatewayV2::ApiMapping', {
      ApiMappingKey: 'github/app',
      ApiId: { Ref: logicalIdOf(gateway.api) },
      Stage: { Ref: logicalIdOf(gateway.api.deploymentStage) },
    });
    expect(gateway.url).toBe('https://hooks.example.com/github/app/');
  });

  it('maps the domain root without a base path, and creates no record without a hosted zone', () => {
    const { template, gateway } = fixture({});
    expect(Object.values(template.findResources('AWS::ApiGateway::BasePathMapping'))[0]!.Properties).not.toHaveProperty(
      'BasePath',
    );
    template.resourceCountIs('AWS::Route53::RecordSet', 0);
    expect(gateway.url).toBe('https://hooks.example.com/');
  });

  it('takes the legacy TLS_1_2 policy, which has no endpoint access mode', () => {
    const { template } = fixture({ securityPolicy: apigw.SecurityPolicy.TLS_1_2 });
    const domain = Object.values(template.findResources('AWS::ApiGateway::DomainName'))[0]!.Properties;
    expect(domain.SecurityPolicy).toBe('TLS_1_2');
    expect(domain).not.toHaveProperty('EndpointAccessMode');
  });

  it('takes a TLS 1.3-only policy in basic mode', () => {
    const { template } = fixture({
      securityPolicy: apigw.SecurityPolicy.TLS13_1_3_2025_09,
      endpointAccessMode: apigw.EndpointAccessMode.BASIC,
    });
    template.hasResourceProperties('AWS::ApiGateway::DomainName', {
      SecurityPolicy: 'SecurityPolicy_TLS13_1_3_2025_09',
      EndpointAccessMode: 'BASIC',
    });
  });

  it('leaves URLs, publicUrl and outputs on the execute-api endpoint without a custom domain', () => {
    const { template, stack, twilio } = fixture();
    template.resourceCountIs('AWS::ApiGateway::DomainName', 0);
    expect(output(template, GatewayOutput.DOMAIN_TARGET)).toBeUndefined();
    expect(JSON.stringify(output(template, GatewayOutput.API_URL))).toContain('.execute-api.eu-west-1.');
    expect(twilio.url).toContain('execute-api');
    expect(gatewayConfig(stack).webhooks.find((w) => w.name === 'twilio')).not.toHaveProperty('publicUrl');
  });

  it('fails if the security policy is TLS 1.0', () => {
    expect(synthError({ securityPolicy: apigw.SecurityPolicy.TLS_1_0 })).toMatch(
      /customDomain.securityPolicy TLS_1_0 accepts TLS 1.0 and 1.1: use TLS13_1_2_PFS_PQ_2025_09/,
    );
  });

  it('fails if the security policy is for edge-optimized domains', () => {
    expect(synthError({ securityPolicy: apigw.SecurityPolicy.TLS13_2025_EDGE })).toMatch(
      /customDomain.securityPolicy SecurityPolicy_TLS13_2025_EDGE is for edge-optimized domains; this domain is regional/,
    );
  });

  it('fails if an endpoint access mode is given with a legacy policy', () => {
    expect(
      synthError({ securityPolicy: apigw.SecurityPolicy.TLS_1_2, endpointAccessMode: apigw.EndpointAccessMode.STRICT }),
    ).toMatch(/customDomain.endpointAccessMode applies to enhanced policies \(SecurityPolicy_…\) only, not TLS_1_2/);
  });

  it.each(['Hooks.Example.com', 'hooks', '*.example.com', 'https://hooks.example.com'])(
    'fails if the domain name is %s',
    (domainName) => {
      expect(synthError({ domainName })).toContain(
        `customDomain.domainName ${JSON.stringify(domainName)} is not a lower-case host name`,
      );
    },
  );

  it.each(['in put', 'a//b', 'hooks?x'])('fails if the base path is %j', (basePath) => {
    expect(synthError({ basePath })).toContain(`customDomain.basePath ${JSON.stringify(basePath)} must be`);
  });
});
