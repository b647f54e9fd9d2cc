import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as acm from 'aws-cdk-lib/aws-certificatemanager';
import type * as route53 from 'aws-cdk-lib/aws-route53';

/** A custom domain name (regional) in front of the API stage. */
export interface CustomDomainOptions {
  /** The host name senders call, in lower case, e.g. `hooks.example.com`. */
  readonly domainName: string;
  /** An ACM certificate covering `domainName`, in the stack's region. */
  readonly certificate: acm.ICertificate;
  /**
   * A path before `webhooks/<name>`: `"github-app"` gives `https://hooks.example.com/github-app/webhooks/<name>`.
   * One or more segments of letters, digits, `.`, `_`, `~` and `-`.
   * @default - none: `https://<domainName>/webhooks/<name>`
   */
  readonly basePath?: string;
  /**
   * TLS versions and cipher suites the domain accepts. TLS 1.0 and the edge-only policies are refused.
   * @default SecurityPolicy.TLS13_1_2_PFS_PQ_2025_09 - TLS 1.3, and TLS 1.2 with forward secrecy only; post-quantum key exchange where the sender offers it
   */
  readonly securityPolicy?: apigw.SecurityPolicy;
  /**
   * How strictly an enhanced policy (`SecurityPolicy_…`) is applied; legacy policies take none.
   * @default EndpointAccessMode.STRICT with an enhanced policy - the TLS server name must be this domain
   */
  readonly endpointAccessMode?: apigw.EndpointAccessMode;
  /** A public hosted zone in which to create an alias A record for the domain. @default - no record: point the domain at the `DomainTarget` output */
  readonly hostedZone?: route53.IHostedZone;
  /**
   * Turns off the API's default `execute-api` URL, so that the custom domain is the only way in
   * (senders still configured with the old URL then get no answer from API Gateway).
   * @default false
   */
  readonly disableExecuteApiEndpoint?: boolean;
}
