import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManagedRuleGroup, type WebhookGatewayProps, WebhookGateway, WebhookSource } from 'aws-webhook-gateway';
import { DEFAULTS } from '../../lib/private/defaults';
import { greaterThanPattern } from '../../lib/private/firewall';
import { gatewayFixture, type Json, logicalIdOf, testApp } from './helpers';

function fixture(props: WebhookGatewayProps) {
  const f = gatewayFixture(props, { env: { account: '123456789012', region: 'eu-west-1' } });
  f.gateway.addWebhook('github', { source: WebhookSource.github(), eventKey: "'github'" });
  f.gateway.addWebhook('keyed', { source: WebhookSource.apiKey({ header: 'x-partner-key' }), eventKey: "'keyed'" });
  return { ...f, template: Template.fromStack(f.stack) };
}

function synthError(props: WebhookGatewayProps, configure?: (gateway: WebhookGateway) => void): string | undefined {
  const stack = new Stack(testApp(), 'Test');
  try {
    const gateway = new WebhookGateway(stack, 'Webhooks', props);
    configure?.(gateway);
    Template.fromStack(stack);
    return undefined;
  } catch (error) {
    return String(error);
  }
}

const rulesOf = (template: Template): Json[] =>
  Object.values(template.findResources('AWS::WAFv2::WebACL'))[0]!.Properties.Rules;
const ruleNamed = (template: Template, name: string) => rulesOf(template).find((r) => r.Name === name);

describe('webAcl: the gateway creates an AWS WAF web ACL', () => {
  const { template, gateway } = fixture({ webAcl: {} });

  it('is REGIONAL, allows by default and is associated with the stage once the stage exists', () => {
    template.hasResourceProperties('AWS::WAFv2::WebACL', {
      Scope: 'REGIONAL',
      DefaultAction: { Allow: {} },
      VisibilityConfig: { CloudWatchMetricsEnabled: true, SampledRequestsEnabled: true, MetricName: 'Test-Webhooks' },
    });
    const association = Object.values(template.findResources('AWS::WAFv2::WebACLAssociation'));
    expect(association).toHaveLength(1);
    const { ResourceArn, WebACLArn } = association[0]!.Properties;
    expect(WebACLArn).toEqual({ 'Fn::GetAtt': [logicalIdOf(gateway.webAcl!), 'Arn'] });
    // The stage's own Ref in the ARN is what makes CloudFormation create the stage first.
    expect(ResourceArn['Fn::Join'][1]).toEqual([
      'arn:',
      { Ref: 'AWS::Partition' },
      ':apigateway:eu-west-1::/restapis/',
      { Ref: logicalIdOf(gateway.api) },
      '/stages/',
      { Ref: logicalIdOf(gateway.api.deploymentStage) },
    ]);
    expect(gateway.webAclAssociation).toBeDefined();
  });

  it('answers 429 with Retry-After above 30,000 requests per address in 5 minutes', () => {
    expect(ruleNamed(template, 'RateLimitPerIp')).toEqual({
      Name: 'RateLimitPerIp',
      Priority: 0,
      Action: {
        Block: {
          CustomResponse: {
            ResponseCode: 429,
            CustomResponseBodyKey: 'TooManyRequests',
            ResponseHeaders: [{ Name: 'Retry-After', Value: '60' }],
          },
        },
      },
      Statement: { RateBasedStatement: { AggregateKeyType: 'IP', Limit: 30000, EvaluationWindowSec: 300 } },
      VisibilityConfig: {
        CloudWatchMetricsEnabled: true,
        SampledRequestsEnabled: true,
        MetricName: 'Test-Webhooks-RateLimitPerIp',
      },
    });
  });

  it('answers 413 with the API Gateway 413 body when Content-Length is above what the ingest takes', () => {
    const rule = ruleNamed(template, 'BodyTooLarge');
    expect(rule.Action).toEqual({
      Block: { CustomResponse: { ResponseCode: 413, CustomResponseBodyKey: 'PayloadTooLarge' } },
    });
    expect(rule.Statement.RegexMatchStatement).toEqual({
      FieldToMatch: { SingleHeader: { Name: 'content-length' } },
      RegexString: greaterThanPattern(DEFAULTS.maxBodySizeLimit.toBytes()),
      TextTransformations: [{ Priority: 0, Type: 'NONE' }],
    });
    const [tooLarge] = Object.values(
      template.findResources('AWS::ApiGateway::GatewayResponse', {
        Properties: { ResponseType: 'REQUEST_TOO_LARGE' },
      }),
    );
    const webAcl = Object.values(template.findResources('AWS::WAFv2::WebACL'))[0]!.Properties;
    expect(webAcl.CustomResponseBodies.PayloadTooLarge).toEqual({
      ContentType: 'APPLICATION_JSON',
      Content: tooLarge!.Properties.ResponseTemplates['application/json'],
    });
    expect(JSON.parse(webAcl.CustomResponseBodies.TooManyRequests.Content)).toEqual({ message: 'Too Many Requests' });
  });

  it('runs the IP reputation list, known bad inputs and the core rule set, counting what they find in bodies', () => {
    const managed = rulesOf(template)
      .filter((r) => r.Statement.ManagedRuleGroupStatement)
      .map((r) => ({
        priority: r.Priority,
        override: r.OverrideAction,
        name: r.Statement.ManagedRuleGroupStatement.Name,
        counted: (r.Statement.ManagedRuleGroupStatement.RuleActionOverrides ?? []).map((o: Json) => {
          expect(o.ActionToUse).toEqual({ Count: {} });
          return o.Name;
        }),
      }));
    expect(managed).toEqual([
      { priority: 2, override: { None: {} }, name: 'AWSManagedRulesAmazonIpReputationList', counted: [] },
      {
        priority: 3,
        override: { None: {} },
        name: 'AWSManagedRulesKnownBadInputsRuleSet',
        counted: ['Log4JRCE_BODY', 'JavaDeserializationRCE_BODY'],
      },
      {
        priority: 4,
        override: { None: {} },
        name: 'AWSManagedRulesCommonRuleSet',
        counted: [
          'SizeRestrictions_BODY',
          'CrossSiteScripting_BODY',
          'GenericLFI_BODY',
          'GenericRFI_BODY',
          'EC2MetaDataSSRF_BODY',
          'NoUserAgent_HEADER',
        ],
      },
    ]);
  });

  it('gives every rule a unique name and metric', () => {
    const rules = rulesOf(template);
    expect(new Set(rules.map((r) => r.Name)).size).toBe(rules.length);
    expect(new Set(rules.map((r) => r.VisibilityConfig.MetricName)).size).toBe(rules.length);
  });

  it("records AWS WAF's verdict in the stage's access log", () => {
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      AccessLogSetting: { Format: Match.stringLikeRegexp('"waf":"\\$context\\.wafResponseCode"') },
    });
  });

  it('does not log unless asked', () => {
    template.resourceCountIs('AWS::WAFv2::LoggingConfiguration', 0);
  });
});

describe('webAcl options', () => {
  it('takes another rate, window and rule groups', () => {
    const { template } = fixture({
      webAcl: {
        rateLimit: 500,
        rateLimitWindow: Duration.minutes(1),
        managedRuleGroups: [
          ManagedRuleGroup.commonRuleSet({ countOnly: ['UserAgent_BadBots_HEADER'], version: 'Version_1.12' }),
          ManagedRuleGroup.of('AWSManagedRulesSQLiRuleSet', { countOnly: ['SQLi_BODY'] }),
        ],
      },
    });
    expect(ruleNamed(template, 'RateLimitPerIp').Statement.RateBasedStatement).toEqual({
      AggregateKeyType: 'IP',
      Limit: 500,
      EvaluationWindowSec: 60,
    });
    const common = ruleNamed(template, 'AWS-AWSManagedRulesCommonRuleSet').Statement.ManagedRuleGroupStatement;
    expect(common.Version).toBe('Version_1.12');
    expect(common.RuleActionOverrides.map((o: Json) => o.Name)).toContain('UserAgent_BadBots_HEADER');
    expect(common.RuleActionOverrides.map((o: Json) => o.Name)).toContain('SizeRestrictions_BODY');
    const sqli = ruleNamed(template, 'AWS-AWSManagedRulesSQLiRuleSet');
    expect(sqli.Priority).toBe(3);
    expect(sqli.Statement.ManagedRuleGroupStatement.RuleActionOverrides).toEqual([
      { Name: 'SQLi_BODY', ActionToUse: { Count: {} } },
    ]);
    expect(rulesOf(template).map((r) => r.Name)).not.toContain('AWS-AWSManagedRulesAmazonIpReputationList');
  });

  it('logs what it blocked or counted to an aws-waf-logs- group, with every credential header and the query redacted', () => {
    const { template, gateway } = fixture({ webAcl: { logging: true } });
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: 'aws-waf-logs-Test-Webhooks',
      KmsKeyId: { 'Fn::GetAtt': [logicalIdOf(gateway.encryptionKey), 'Arn'] },
      RetentionInDays: 90,
    });
    const [logging] = Object.values(template.findResources('AWS::WAFv2::LoggingConfiguration'));
    const props = logging!.Properties;
    expect(props.ResourceArn).toEqual({ 'Fn::GetAtt': [logicalIdOf(gateway.webAcl!), 'Arn'] });
    // A log group ARN without the trailing ":*" that its Arn attribute has.
    expect(props.LogDestinationConfigs[0]['Fn::Join'][1]).toEqual([
      'arn:',
      { Ref: 'AWS::Partition' },
      ':logs:eu-west-1:123456789012:log-group:',
      { Ref: logicalIdOf(gateway.node.findChild('WebAclLogs')) },
    ]);
    expect(props.RedactedFields).toEqual([
      ...[
        'authorization',
        'proxy-authorization',
        'cookie',
        'x-hub-signature-256',
        'x-hub-signature',
        'x-partner-key',
      ].map((Name) => ({ SingleHeader: { Name } })),
      { QueryString: {} },
    ]);
    expect(props.LoggingFilter).toEqual({
      DefaultBehavior: 'DROP',
      Filters: [
        {
          Behavior: 'KEEP',
          Requirement: 'MEETS_ANY',
          Conditions: ['BLOCK', 'COUNT', 'EXCLUDED_AS_COUNT'].map((Action) => ({ ActionCondition: { Action } })),
        },
      ],
    });
  });

  it('associates an existing web ACL instead of creating one', () => {
    const arn = 'arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/shared/1234abcd-12ab-34cd-56ef-1234567890ab';
    const { template, gateway } = fixture({ existingWebAclArn: arn });
    template.resourceCountIs('AWS::WAFv2::WebACL', 0);
    template.hasResourceProperties('AWS::WAFv2::WebACLAssociation', {
      WebACLArn: arn,
      ResourceArn: { 'Fn::Join': ['', Match.arrayWith([{ Ref: logicalIdOf(gateway.api.deploymentStage) }])] },
    });
    expect(gateway.webAcl).toBeUndefined();
  });

  it('creates no web ACL and no association by default', () => {
    const { template, gateway } = fixture({});
    template.resourceCountIs('AWS::WAFv2::WebACL', 0);
    template.resourceCountIs('AWS::WAFv2::WebACLAssociation', 0);
    expect(gateway.webAclAssociation).toBeUndefined();
  });

  it('fails if webAcl and existingWebAclArn are both set', () => {
    expect(
      synthError({
        webAcl: {},
        existingWebAclArn: 'arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/x/1',
      }),
    ).toMatch(/webAcl and existingWebAclArn are both set: a stage takes one web ACL/);
  });

  it.each([
    'arn:aws:wafv2:us-east-1:123456789012:global/webacl/cloudfront/1',
    'arn:aws:wafv2:eu-west-1:123456789012:regional/ipset/x/1',
    'my-acl',
  ])('fails if existingWebAclArn %s is not a regional web ACL', (arn) => {
    expect(synthError({ existingWebAclArn: arn })).toMatch(
      new RegExp(`existingWebAclArn "${arn.replace(/[/.]/g, '\\$&')}" is not the ARN of a regional web ACL`),
    );
  });

  it.each([0, 9, 1.5, 2_000_000_001])('fails if webAcl.rateLimit is %s', (rateLimit) => {
    expect(synthError({ webAcl: { rateLimit } })).toMatch(
      new RegExp(`webAcl.rateLimit ${rateLimit} must be a whole number of requests from 10 to 2,000,000,000`),
    );
  });

  it('fails if webAcl.rateLimitWindow is not 1, 2, 5 or 10 minutes', () => {
    expect(synthError({ webAcl: { rateLimitWindow: Duration.minutes(3) } })).toMatch(
      /webAcl.rateLimitWindow 180 seconds must be 1, 2, 5 or 10 minutes/,
    );
  });

  it('fails if a managed rule group is listed twice', () => {
    expect(
      synthError({
        webAcl: { managedRuleGroups: [ManagedRuleGroup.knownBadInputs(), ManagedRuleGroup.knownBadInputs()] },
      }),
    ).toMatch(/webAcl.managedRuleGroups has AWS\/AWSManagedRulesKnownBadInputsRuleSet twice/);
  });

  it('fails if a managed rule group name is not one', () => {
    expect(synthError({ webAcl: { managedRuleGroups: [ManagedRuleGroup.of('my rules')] } })).toMatch(
      /webAcl.managedRuleGroups: "AWS\/my rules" is not a vendor and group name/,
    );
  });

  it('fails if logging would redact more fields than AWS WAF takes', () => {
    const error = synthError({ webAcl: { logging: true } }, (g) =>
      g.addWebhook('many', {
        source: WebhookSource.allOf(
          ...Array.from({ length: 97 }, (_, i) => WebhookSource.hmac({ header: `x-signature-${i}` })),
        ),
        eventKey: "'many'",
      }),
    );
    expect(error).toMatch(/webAcl.logging would redact 101 fields .* AWS WAF takes at most 100/);
  });
});

describe('greaterThanPattern', () => {
  const matches = (limit: number, value: string) => new RegExp(greaterThanPattern(limit)).test(value);

  it('uses no groups (AWS WAF supports no capturing subexpressions)', () => {
    expect(greaterThanPattern(DEFAULTS.maxBodySizeLimit.toBytes())).not.toMatch(/[()]/);
  });

  it('matches exactly the decimal values above the limit, leading zeros included', () => {
    const limit = DEFAULTS.maxBodySizeLimit.toBytes();
    expect(matches(limit, String(limit))).toBe(false);
    expect(matches(limit, String(limit + 1))).toBe(true);
    expect(matches(limit, `000${limit + 1}`)).toBe(true);
    expect(matches(limit, '10485760')).toBe(true);
    for (const bad of ['', ' ', '-5000000', '5e6', '4194305 ', 'abc']) expect(matches(limit, bad)).toBe(false);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000_000_000 }),
        fc.bigInt({ min: 0n, max: 10n ** 15n }),
        fc.nat({ max: 3 }),
        (n, value, zeros) => matches(n, `${'0'.repeat(zeros)}${value}`) === value > BigInt(n),
      ),
      { numRuns: 2000 },
    );
  });
});
