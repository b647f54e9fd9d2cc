import { ArnFormat, Duration, Lazy, type RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import type { Construct } from 'constructs';
import { ManagedRuleGroup, type WebAclOptions } from '../firewall';
import { DEFAULTS } from './defaults';

/** The bodies AWS WAF answers with, the same JSON as the gateway's own answers for these statuses. */
const BODIES = {
  PayloadTooLarge: '{"message":"Payload Too Large"}',
  TooManyRequests: '{"message":"Too Many Requests"}',
} as const;

/**
 * A regular expression (AWS WAF's PCRE subset: no groups, top-level alternatives only) matching
 * a decimal integer, leading zeros allowed, that is greater than `limit`.
 */
export function greaterThanPattern(limit: number): string {
  if (!Number.isSafeInteger(limit) || limit < 0) throw new Error(`limit ${limit} must be a whole number, zero or more`);
  const digits = String(limit);
  const any = (n: number) => (n === 0 ? '' : n === 1 ? '[0-9]' : `[0-9]{${n}}`);
  // More digits than the limit (without leading zeros) is always greater.
  const branches = [`[1-9][0-9]{${digits.length},}`];
  // Same length: the limit's first i digits, then a greater digit, then anything.
  for (let i = 0; i < digits.length; i++) {
    const d = Number(digits[i]);
    if (d === 9) continue;
    const next = d + 1 === 9 ? '9' : `[${d + 1}-9]`;
    branches.push(`${digits.slice(0, i)}${next}${any(digits.length - i - 1)}`);
  }
  return branches.map((b) => `^0*${b}$`).join('|');
}

export interface WebAclSettings {
  readonly gatewayName: string;
  readonly options: WebAclOptions;
  readonly key: kms.IKey;
  readonly removalPolicy: RemovalPolicy;
  readonly logRetention: logs.RetentionDays;
  /** Headers that carry credentials for any webhook, kept out of WAF logs (evaluated at synth). */
  readonly sensitiveHeaders: () => string[];
}

/** Web ACL names, metric names and log group names share a safe alphabet. */
const safeName = (name: string) => name.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 100);

const visibility = (metricName: string): wafv2.CfnWebACL.VisibilityConfigProperty => ({
  cloudWatchMetricsEnabled: true,
  sampledRequestsEnabled: true,
  metricName,
});

export function webAclProblems(options: WebAclOptions): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const group of options.managedRuleGroups ?? []) {
    const id = `${group.vendorName}/${group.name}`;
    if (!/^[\w-]{1,60}$/.test(group.vendorName) || !/^[\w-]{1,60}$/.test(group.name)) {
      problems.push(
        `webAcl.managedRuleGroups: ${JSON.stringify(id)} is not a vendor and group name (letters, digits, "_" and "-")`,
      );
    }
    if (seen.has(id)) problems.push(`webAcl.managedRuleGroups has ${id} twice: list each group once`);
    seen.add(id);
  }
  const limit = options.rateLimit;
  if (limit !== undefined && !(Number.isInteger(limit) && limit >= 10 && limit <= 2_000_000_000)) {
    problems.push(`webAcl.rateLimit ${limit} must be a whole number of requests from 10 to 2,000,000,000`);
  }
  const window = options.rateLimitWindow?.toSeconds({ integral: false });
  if (window !== undefined && ![60, 120, 300, 600].includes(window)) {
    problems.push(`webAcl.rateLimitWindow ${window} seconds must be 1, 2, 5 or 10 minutes`);
  }
  return problems;
}

/**
 * The gateway's web ACL: per-IP rate (429), Content-Length above what the ingest takes (413),
 * then the managed rule groups (their blocks answer 403 through API Gateway's WAF_FILTERED).
 */
export function createWebAcl(scope: Construct, settings: WebAclSettings): wafv2.CfnWebACL {
  const { options } = settings;
  const name = safeName(settings.gatewayName);
  const window = options.rateLimitWindow ?? Duration.minutes(5);
  const windowSeconds = window.toSeconds({ integral: false });
  const rules: wafv2.CfnWebACL.RuleProperty[] = [
    {
      name: 'RateLimitPerIp',
      priority: 0,
      action: {
        block: {
          customResponse: {
            responseCode: 429,
            customResponseBodyKey: 'TooManyRequests',
            responseHeaders: [{ name: 'Retry-After', value: String(DEFAULTS.retryAfterWafRate) }],
          },
        },
      },
      statement: {
        rateBasedStatement: {
          aggregateKeyType: 'IP',
          limit: options.rateLimit ?? DEFAULTS.wafRateLimit,
          ...([60, 120, 300, 600].includes(windowSeconds) && { evaluationWindowSec: windowSeconds }),
        },
      },
      visibilityConfig: visibility(`${name}-RateLimitPerIp`),
    },
    {
      // WAF sees only the first 16 KB of a REST API body, so the declared length is what it can judge.
      name: 'BodyTooLarge',
      priority: 1,
      action: { block: { customResponse: { responseCode: 413, customResponseBodyKey: 'PayloadTooLarge' } } },
      statement: {
        regexMatchStatement: {
          fieldToMatch: { singleHeader: { Name: 'content-length' } },
          regexString: greaterThanPattern(DEFAULTS.maxBodySizeLimit.toBytes()),
          textTransformations: [{ priority: 0, type: 'NONE' }],
        },
      },
      visibilityConfig: visibility(`${name}-BodyTooLarge`),
    },
    ...(options.managedRuleGroups ?? ManagedRuleGroup.defaults()).map((group, i): wafv2.CfnWebACL.RuleProperty => ({
      name: `${group.vendorName}-${group.name}`,
      priority: 2 + i,
      overrideAction: { none: {} },
      statement: {
        managedRuleGroupStatement: {
          vendorName: group.vendorName,
          name: group.name,
          ...(group.version !== undefined && { version: group.version }),
          ...(group.countOnly.length > 0 && {
            ruleActionOverrides: group.countOnly.map((rule) => ({ name: rule, actionToUse: { count: {} } })),
          }),
        },
      },
      visibilityConfig: visibility(`${name}-${group.name}`),
    })),
  ];
  const webAcl = new wafv2.CfnWebACL(scope, 'WebAcl', {
    scope: 'REGIONAL',
    description: `Webhook gateway ${settings.gatewayName}: per-IP rate, body size, managed rules`,
    defaultAction: { allow: {} },
    visibilityConfig: visibility(name),
    customResponseBodies: Object.fromEntries(
      Object.entries(BODIES).map(([key, content]) => [key, { contentType: 'APPLICATION_JSON', content }]),
    ),
    rules,
  });
  if (options.logging) addLogging(scope, webAcl, settings, name);
  return webAcl;
}

/**
 * Logs what a rule blocked or counted (allowed requests are in the API's access log already), in
 * a log group whose name AWS WAF requires to start with `aws-waf-logs-`.
 */
function addLogging(scope: Construct, webAcl: wafv2.CfnWebACL, settings: WebAclSettings, name: string): void {
  const logGroup = new logs.LogGroup(scope, 'WebAclLogs', {
    logGroupName: `aws-waf-logs-${name}`,
    encryptionKey: settings.key,
    retention: settings.logRetention,
    removalPolicy: settings.removalPolicy,
  });
  // The log group's ARN attribute ends in `:*`, which AWS WAF does not take as a destination.
  const destination = Stack.of(scope).formatArn({
    service: 'logs',
    resource: 'log-group',
    resourceName: logGroup.logGroupName,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
  new wafv2.CfnLoggingConfiguration(scope, 'WebAclLogging', {
    resourceArn: webAcl.attrArn,
    logDestinationConfigs: [destination],
    redactedFields: Lazy.any({
      produce: () => [
        ...settings.sensitiveHeaders().map((header) => ({ singleHeader: { Name: header } })),
        { queryString: {} },
      ],
    }),
    loggingFilter: {
      DefaultBehavior: 'DROP',
      Filters: [
        {
          Behavior: 'KEEP',
          Requirement: 'MEETS_ANY',
          Conditions: ['BLOCK', 'COUNT', 'EXCLUDED_AS_COUNT'].map((action) => ({
            ActionCondition: { Action: action },
          })),
        },
      ],
    },
  }).node.addDependency(logGroup);
}

/** AWS WAF's limit on redacted fields per logging configuration. */
export const MAX_REDACTED_FIELDS = 100;

/** Associates a web ACL with the stage; the stage ARN names the stage resource, so CloudFormation creates the stage first. */
export function associateWebAcl(scope: Construct, stage: apigw.Stage, webAclArn: string): wafv2.CfnWebACLAssociation {
  return new wafv2.CfnWebACLAssociation(scope, 'WebAclAssociation', { resourceArn: stage.stageArn, webAclArn });
}
