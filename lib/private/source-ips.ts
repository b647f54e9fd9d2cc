import { isIPv4, isIPv6 } from 'node:net';
import { Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';

/** API Gateway's default quota for the length of a REST API's resource policy, in characters. */
export const RESOURCE_POLICY_QUOTA = 8192;

/** An allowlist after checking: the CIDRs to put in the policy, and what was wrong with the input. */
export interface CheckedSourceIps {
  readonly cidrs: string[];
  readonly errors: string[];
}

/**
 * Checks `allowedSourceIps` as data: every entry an IPv4 or IPv6 address or CIDR block whose host
 * bits are zero (a typo there would silently widen or narrow the list). A bare address becomes
 * `/32` or `/128`. Duplicates are dropped. Tokens pass unchecked (resolved at deploy time).
 */
export function checkSourceIps(entries: unknown): CheckedSourceIps {
  if (!Array.isArray(entries)) {
    return { cidrs: [], errors: ['allowedSourceIps must be a list of CIDR blocks, e.g. ["192.0.2.0/24"]'] };
  }
  if (entries.length === 0) {
    return {
      cidrs: [],
      errors: ['allowedSourceIps is empty, which would refuse every sender: list the CIDR blocks, or remove the prop'],
    };
  }
  const cidrs = new Set<string>();
  const errors: string[] = [];
  entries.forEach((entry, i) => {
    if (typeof entry === 'string' && Token.isUnresolved(entry)) {
      cidrs.add(entry);
      return;
    }
    const checked = typeof entry === 'string' ? checkCidr(entry.trim()) : { problem: 'is not a string' };
    if ('cidr' in checked) cidrs.add(checked.cidr);
    else errors.push(`allowedSourceIps[${i}] ${JSON.stringify(entry)} ${checked.problem}`);
  });
  return { cidrs: [...cidrs], errors };
}

type Checked = { cidr: string } | { problem: string };

function checkCidr(entry: string): Checked {
  const [address = '', prefixText, ...rest] = entry.split('/');
  const v4 = isIPv4(address);
  if (rest.length > 0 || !(v4 || isIPv6(address))) {
    return { problem: 'is not an IPv4 or IPv6 address or CIDR block: write it as 192.0.2.0/24 or 2001:db8::/32' };
  }
  const bits = v4 ? 32 : 128;
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) {
    return { problem: `has no valid prefix length: use /0 to /${bits}` };
  }
  const prefix = prefixText === undefined ? bits : Number(prefixText);
  if (prefix > bits) return { problem: `has a prefix longer than /${bits}` };
  if (prefix === 0) {
    return { problem: 'allows every address: remove allowedSourceIps instead of listing a /0 block' };
  }
  const value = v4 ? ipv4Value(address) : ipv6Value(address);
  const hostMask = (1n << BigInt(bits - prefix)) - 1n;
  if ((value & hostMask) !== 0n) {
    const network = (v4 ? formatIpv4 : formatIpv6)(value & ~hostMask);
    return {
      problem: `has host bits set: the block starting there is ${network}/${prefix}; write that, or /${bits} for one address`,
    };
  }
  return { cidr: `${v4 ? address : formatIpv6(value)}/${prefix}` };
}

function ipv4Value(address: string): bigint {
  return address.split('.').reduce((n, octet) => (n << 8n) | BigInt(Number(octet)), 0n);
}

function formatIpv4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => ((value >> shift) & 255n).toString()).join('.');
}

function ipv6Value(address: string): bigint {
  let text = address.toLowerCase();
  // An embedded IPv4 tail (::ffff:192.0.2.1) becomes two hex groups.
  const v4Tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4Tail) {
    const v4 = ipv4Value(v4Tail[1]!);
    text = `${text.slice(0, -v4Tail[1]!.length)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const missing = 8 - headGroups.length - tailGroups.length;
  const groups = [...headGroups, ...Array<string>(tail === undefined ? 0 : missing).fill('0'), ...tailGroups];
  return groups.reduce((n, group) => (n << 16n) | BigInt(Number.parseInt(group, 16)), 0n);
}

/** The canonical (RFC 5952) text of an IPv6 address: lower case, the longest run of zero groups as `::`. */
function formatIpv6(value: bigint): string {
  const groups = [112n, 96n, 80n, 64n, 48n, 32n, 16n, 0n].map((shift) => Number((value >> shift) & 0xffffn));
  let best = { start: -1, length: 0 };
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.length) best = { start: i, length: j - i };
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best.length < 2) return hex.join(':');
  return `${hex.slice(0, best.start).join(':')}::${hex.slice(best.start + best.length).join(':')}`;
}

/**
 * The resources of one webhook's path in a resource policy, for every stage and method: the path
 * itself and anything below it (a trailing slash). `execute-api:/` is expanded by API Gateway to
 * the API's own ARN when it stores the policy.
 */
export function webhookPathResources(webhook: string): string[] {
  return [`execute-api:/*/*/webhooks/${webhook}`, `execute-api:/*/*/webhooks/${webhook}/*`];
}

/** Every request is allowed unless a Deny below matches: the authorizer still decides per webhook. */
export function allowAllStatement(): iam.PolicyStatement {
  return new iam.PolicyStatement({
    effect: iam.Effect.ALLOW,
    principals: [new iam.AnyPrincipal()],
    actions: ['execute-api:Invoke'],
    resources: ['execute-api:/*'],
  });
}

/**
 * Webhook names are `a-z 0-9 - _`, so a percent sign or an empty segment below /webhooks/ is only
 * ever another spelling of a path (`git%68ub`, `/webhooks//github`). The authorizer decodes the
 * name; whether the ARN the policy is matched against holds the raw or the normalized path is not
 * documented, so such paths are denied outright and a source-IP Deny cannot be sidestepped by
 * spelling the name differently.
 */
export function otherSpellingsStatement(): iam.PolicyStatement {
  return new iam.PolicyStatement({
    effect: iam.Effect.DENY,
    principals: [new iam.AnyPrincipal()],
    actions: ['execute-api:Invoke'],
    resources: ['execute-api:/*/*/webhooks/*%*', 'execute-api:/*/*/webhooks//*'],
  });
}

/** Denies the webhook's path to every source address outside `cidrs`, before the authorizer runs. */
export function sourceIpStatement(webhook: string, cidrs: string[]): iam.PolicyStatement {
  return new iam.PolicyStatement({
    effect: iam.Effect.DENY,
    principals: [new iam.AnyPrincipal()],
    actions: ['execute-api:Invoke'],
    resources: webhookPathResources(webhook),
    conditions: { NotIpAddress: { 'aws:SourceIp': cidrs } },
  });
}

/**
 * The policy's length as API Gateway counts it, approximately: the JSON with every `execute-api:/`
 * expanded to a full ARN (`arn:aws:execute-api:<region>:<account>:<api id>/`, at most ~70 characters).
 */
export function estimatedPolicyLength(policy: unknown): number {
  const json = JSON.stringify(policy);
  const shorthand = json.split('"execute-api:/').length - 1;
  return json.length + shorthand * 70;
}
