import type { Duration } from 'aws-cdk-lib';

/** How a managed rule group is tuned. */
export interface ManagedRuleGroupOptions {
  /**
   * Rules of the group that only count matching requests (visible in metrics and logs) instead of
   * blocking them. For the presets, these come in addition to the preset's own.
   * @default - the preset's rules that inspect the body, and for the core rule set NoUserAgent_HEADER
   */
  readonly countOnly?: string[];
  /** A static version of the group, e.g. `Version_1.12`. @default - the vendor's default version, which the vendor updates */
  readonly version?: string;
}

/** Options of a managed rule group given by name (`ManagedRuleGroup.of`). */
export interface NamedManagedRuleGroupOptions extends ManagedRuleGroupOptions {
  /** The group's vendor. @default 'AWS' */
  readonly vendorName?: string;
}

/** Body-inspecting rules of the AWS core rule set: webhook bodies are data relayed from other people. */
const COMMON_BODY_RULES = [
  'SizeRestrictions_BODY',
  'CrossSiteScripting_BODY',
  'GenericLFI_BODY',
  'GenericRFI_BODY',
  'EC2MetaDataSSRF_BODY',
];
const KNOWN_BAD_INPUTS_BODY_RULES = ['Log4JRCE_BODY', 'JavaDeserializationRCE_BODY'];

/**
 * A managed rule group of AWS WAF in the gateway's web ACL. Webhook bodies carry text written by
 * the sender's users (issue comments, commit messages, e-mail events), so the presets only count
 * what their rules find in a body; the body is still verified by signature before anything reads it.
 */
export class ManagedRuleGroup {
  /**
   * AWSManagedRulesCommonRuleSet (700 WCU). SizeRestrictions_BODY (bodies above 8 KB, most
   * GitHub pushes), CrossSiteScripting_BODY, GenericLFI_BODY, GenericRFI_BODY and
   * EC2MetaDataSSRF_BODY only count, and so does NoUserAgent_HEADER: machine senders need not
   * send a User-Agent.
   */
  static commonRuleSet(options: ManagedRuleGroupOptions = {}): ManagedRuleGroup {
    return new ManagedRuleGroup('AWS', 'AWSManagedRulesCommonRuleSet', {
      ...options,
      countOnly: [...COMMON_BODY_RULES, 'NoUserAgent_HEADER', ...(options.countOnly ?? [])],
    });
  }

  /** AWSManagedRulesKnownBadInputsRuleSet (200 WCU); Log4JRCE_BODY and JavaDeserializationRCE_BODY only count. */
  static knownBadInputs(options: ManagedRuleGroupOptions = {}): ManagedRuleGroup {
    return new ManagedRuleGroup('AWS', 'AWSManagedRulesKnownBadInputsRuleSet', {
      ...options,
      countOnly: [...KNOWN_BAD_INPUTS_BODY_RULES, ...(options.countOnly ?? [])],
    });
  }

  /** AWSManagedRulesAmazonIpReputationList (25 WCU): addresses Amazon threat intelligence lists as sources of attacks. */
  static amazonIpReputationList(options: ManagedRuleGroupOptions = {}): ManagedRuleGroup {
    return new ManagedRuleGroup('AWS', 'AWSManagedRulesAmazonIpReputationList', options);
  }

  /** Any managed rule group, by vendor and name, with only the rules in `countOnly` counting. */
  static of(name: string, options: NamedManagedRuleGroupOptions = {}): ManagedRuleGroup {
    return new ManagedRuleGroup(options.vendorName ?? 'AWS', name, options);
  }

  /** The groups a web ACL gets when `managedRuleGroups` is not set. */
  static defaults(): ManagedRuleGroup[] {
    return [
      ManagedRuleGroup.amazonIpReputationList(),
      ManagedRuleGroup.knownBadInputs(),
      ManagedRuleGroup.commonRuleSet(),
    ];
  }

  readonly countOnly: string[];
  readonly version?: string;

  private constructor(
    readonly vendorName: string,
    readonly name: string,
    options: ManagedRuleGroupOptions,
  ) {
    this.countOnly = [...new Set(options.countOnly ?? [])];
    if (options.version !== undefined) this.version = options.version;
  }
}

/** The gateway's own AWS WAF web ACL (REGIONAL), associated with the API stage. */
export interface WebAclOptions {
  /**
   * Requests one client IP address may send per `rateLimitWindow`; above it AWS WAF answers 429
   * (with Retry-After) until the address's rate falls below. Providers deliver from few addresses,
   * so keep it well above the busiest sender's volume.
   * @default 30000 - 100 requests per second on average over 5 minutes
   */
  readonly rateLimit?: number;
  /** The window the rate is counted over: 1, 2, 5 or 10 minutes. @default Duration.minutes(5) */
  readonly rateLimitWindow?: Duration;
  /**
   * Managed rule groups, evaluated in this order after the rate and body-size rules.
   * @default - ManagedRuleGroup.defaults(): Amazon IP reputation list, known bad inputs, core rule set (body rules count only)
   */
  readonly managedRuleGroups?: ManagedRuleGroup[];
  /**
   * Logs the requests a rule blocked or counted to a new log group `aws-waf-logs-<gateway name>`
   * (the gateway's KMS key and logRetention), with credential headers and the query string redacted.
   * @default false
   */
  readonly logging?: boolean;
}
