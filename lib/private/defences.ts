import { Annotations, type RemovalPolicy, Token } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import type * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import type { Construct } from 'constructs';
import type { CustomDomainOptions } from '../custom-domain';
import type { WebAclOptions } from '../firewall';
import { WARNINGS } from './warnings';
import { associateWebAcl, createWebAcl, MAX_REDACTED_FIELDS, webAclProblems } from './firewall';
import {
  allowAllStatement,
  checkSourceIps,
  otherSpellingsStatement,
  estimatedPolicyLength,
  RESOURCE_POLICY_QUOTA,
  sourceIpStatement,
} from './source-ips';

export interface DefencesSettings {
  readonly api: apigw.RestApi;
  readonly gatewayName: string;
  readonly key: kms.IKey;
  readonly removalPolicy: RemovalPolicy;
  readonly logRetention: logs.RetentionDays;
  readonly webAcl?: WebAclOptions;
  readonly existingWebAclArn?: string;
  readonly customDomain?: CustomDomainOptions;
  /** Headers that carry credentials for any webhook of the gateway (evaluated at synth). */
  readonly sensitiveHeaders: () => string[];
}

/** What the defences decide for one webhook. */
export interface WebhookDefence {
  /** The URL to give the sender. */
  readonly url: string;
  /** The URL the sender signs, when a custom domain fronts the API. */
  readonly publicUrl?: string;
  readonly errors: string[];
}

const EDGE_ONLY_POLICIES: readonly string[] = [
  apigw.SecurityPolicy.TLS13_2025_EDGE,
  apigw.SecurityPolicy.TLS12_PFS_2025_EDGE,
  apigw.SecurityPolicy.TLS12_2018_EDGE,
];
const BASE_PATH = /^[A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*$/;

/**
 * The optional deployment defences of a gateway: an AWS WAF web ACL on the stage (its own, or an
 * existing one), per-webhook source IP allowlists in the API's resource policy, and a custom
 * domain with a strict TLS policy whose URLs the webhooks are given and sign.
 */
export class Defences {
  readonly webAcl?: wafv2.CfnWebACL;
  readonly webAclAssociation?: wafv2.CfnWebACLAssociation;
  readonly domainName?: apigw.DomainName;
  /** The base URL senders call, ending in `/`. */
  readonly baseUrl: string;
  private readonly errors: string[] = [];
  private readonly api: apigw.RestApi;
  private readonly settings: DefencesSettings;
  /** The statements this gateway put in the API's resource policy, to estimate its length. */
  private readonly policy = new iam.PolicyDocument();
  private policyWarned = false;

  constructor(scope: Construct, settings: DefencesSettings) {
    this.settings = settings;
    const { api } = settings;
    this.api = api;
    if (settings.webAcl && settings.existingWebAclArn !== undefined) {
      this.errors.push(
        'webAcl and existingWebAclArn are both set: a stage takes one web ACL; keep webAcl to have the gateway create it, or existingWebAclArn to use yours',
      );
    }
    if (settings.webAcl) {
      this.errors.push(...webAclProblems(settings.webAcl));
      this.webAcl = createWebAcl(scope, {
        gatewayName: settings.gatewayName,
        options: settings.webAcl,
        key: settings.key,
        removalPolicy: settings.removalPolicy,
        logRetention: settings.logRetention,
        sensitiveHeaders: settings.sensitiveHeaders,
      });
    }
    const webAclArn = this.webAcl?.attrArn ?? settings.existingWebAclArn;
    if (webAclArn !== undefined) {
      const problem = webAclArnProblem(webAclArn);
      if (problem) this.errors.push(problem);
      this.webAclAssociation = associateWebAcl(scope, api.deploymentStage, webAclArn);
    }

    const domain = settings.customDomain;
    this.baseUrl = api.url;
    if (domain) {
      const problems = customDomainProblems(domain);
      this.errors.push(...problems);
      const basePath = domain.basePath?.replace(/^\/+|\/+$/g, '');
      this.baseUrl = `https://${domain.domainName}/${basePath ? `${basePath}/` : ''}`;
      if (problems.length === 0) this.domainName = addDomain(scope, api, domain, basePath);
    }
  }

  /** Whether a web ACL (the gateway's or an existing one) guards the stage. */
  get hasWebAcl(): boolean {
    return this.webAclAssociation !== undefined;
  }

  /** The webhook's URLs, and its source IP allowlist added to the API's resource policy. */
  webhook(scope: Construct, name: string, allowedSourceIps: unknown): WebhookDefence {
    const errors: string[] = [];
    if (allowedSourceIps !== undefined) {
      const checked = checkSourceIps(allowedSourceIps);
      errors.push(...checked.errors);
      if (checked.cidrs.length > 0) this.allow(scope, name, checked.cidrs);
    }
    const custom = this.settings.customDomain !== undefined;
    return {
      url: custom ? `${this.baseUrl}webhooks/${name}` : this.api.urlForPath(`/webhooks/${name}`),
      ...(custom && { publicUrl: `${this.baseUrl}webhooks/${name}` }),
      errors,
    };
  }

  /** Problems of the defences' own props, and those only known once every webhook is added. */
  validate(): string[] {
    const problems = [...this.errors];
    if (this.settings.webAcl?.logging) {
      const redacted = new Set(this.settings.sensitiveHeaders()).size + 1;
      if (redacted > MAX_REDACTED_FIELDS) {
        problems.push(
          `webAcl.logging would redact ${redacted} fields (every credential header of every webhook, and the query string); AWS WAF takes at most ${MAX_REDACTED_FIELDS}: turn logging off, or use fewer distinct signature and API-key header names`,
        );
      }
    }
    return problems;
  }

  private allow(scope: Construct, webhook: string, cidrs: string[]): void {
    const statements = this.policy.statementCount === 0 ? [allowAllStatement(), otherSpellingsStatement()] : [];
    statements.push(sourceIpStatement(webhook, cidrs));
    for (const statement of statements) {
      this.api.addToResourcePolicy(statement);
      this.policy.addStatements(statement);
    }
    const length = estimatedPolicyLength(this.policy.toJSON());
    if (length > RESOURCE_POLICY_QUOTA && !this.policyWarned) {
      this.policyWarned = true;
      Annotations.of(scope).addWarningV2(
        WARNINGS.resourcePolicy,
        `the API's resource policy (source IP allowlists) is about ${length} characters; API Gateway takes ${RESOURCE_POLICY_QUOTA} by default: request an increase of the quota "Length, in characters, of API Gateway resource policy", or shorten the allowlists (wider CIDR blocks)`,
      );
    }
  }
}

function webAclArnProblem(arn: string): string | undefined {
  if (Token.isUnresolved(arn)) return undefined;
  return /^arn:aws[a-z-]*:wafv2:[a-z0-9-]+:\d{12}:regional\/webacl\/[^/]+\/[^/]+$/.test(arn)
    ? undefined
    : `existingWebAclArn ${JSON.stringify(arn)} is not the ARN of a regional web ACL (arn:aws:wafv2:<region>:<account>:regional/webacl/<name>/<id>): API Gateway stages take REGIONAL web ACLs only`;
}

function customDomainProblems(domain: CustomDomainOptions): string[] {
  const problems: string[] = [];
  const name = domain.domainName;
  if (
    !Token.isUnresolved(name) &&
    !/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$/.test(name)
  ) {
    problems.push(
      `customDomain.domainName ${JSON.stringify(name)} is not a lower-case host name such as "hooks.example.com"`,
    );
  }
  const policy = domain.securityPolicy;
  if (policy === apigw.SecurityPolicy.TLS_1_0) {
    problems.push(
      'customDomain.securityPolicy TLS_1_0 accepts TLS 1.0 and 1.1: use TLS13_1_2_PFS_PQ_2025_09 (the default) or TLS_1_2',
    );
  }
  if (policy !== undefined && EDGE_ONLY_POLICIES.includes(policy)) {
    problems.push(
      `customDomain.securityPolicy ${policy} is for edge-optimized domains; this domain is regional: use TLS13_1_2_PFS_PQ_2025_09 (the default)`,
    );
  }
  if (policy !== undefined && !isEnhanced(policy) && domain.endpointAccessMode !== undefined) {
    problems.push(
      `customDomain.endpointAccessMode applies to enhanced policies (SecurityPolicy_…) only, not ${policy}: remove it`,
    );
  }
  const basePath = domain.basePath?.replace(/^\/+|\/+$/g, '');
  if (basePath !== undefined && !Token.isUnresolved(basePath) && !BASE_PATH.test(basePath)) {
    problems.push(
      `customDomain.basePath ${JSON.stringify(domain.basePath)} must be one or more path segments of letters, digits, ".", "_", "~" and "-", e.g. "hooks" or "github/app"`,
    );
  }
  return problems;
}

const isEnhanced = (policy: string) => policy.startsWith('SecurityPolicy_');

function addDomain(
  scope: Construct,
  api: apigw.RestApi,
  domain: CustomDomainOptions,
  basePath: string | undefined,
): apigw.DomainName {
  const securityPolicy = domain.securityPolicy ?? apigw.SecurityPolicy.TLS13_1_2_PFS_PQ_2025_09;
  const created = api.addDomainName('CustomDomain', {
    domainName: domain.domainName,
    certificate: domain.certificate,
    endpointType: apigw.EndpointType.REGIONAL,
    securityPolicy,
    ...(isEnhanced(securityPolicy) && {
      endpointAccessMode: domain.endpointAccessMode ?? apigw.EndpointAccessMode.STRICT,
    }),
    ...(basePath && { basePath }),
  });
  if (domain.hostedZone) {
    new route53.ARecord(scope, 'DomainRecord', {
      zone: domain.hostedZone,
      recordName: domain.domainName,
      target: route53.RecordTarget.fromAlias(new targets.ApiGatewayDomain(created)),
    });
  }
  return created;
}
