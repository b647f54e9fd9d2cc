export { GatewayOutput, GatewayOutputs } from './outputs';
export type { GatewayOutputValues } from './outputs';
export type { CustomDomainOptions } from './custom-domain';
export { ManagedRuleGroup } from './firewall';
export type { ManagedRuleGroupOptions, NamedManagedRuleGroupOptions, WebAclOptions } from './firewall';
export type { GatewayDeadLetterQueueOptions, GatewayTableOptions } from './storage-options';
export { HandshakeFormat, Webhook } from './webhook';
export type {
  HandshakeOptions,
  Quota,
  RateLimit,
  RateWindowOptions,
  RouteOptions,
  SuccessResponse,
  WebhookOptions,
} from './webhook';
export { WebhookGateway } from './webhook-gateway';
export { WebhookGatewayBase } from './webhook-gateway-base';
export type { IWebhookGateway } from './webhook-gateway-base';
export type {
  GatewayFunctionOptions,
  RejectedMetricOptions,
  WaitForWebhookOptions,
  WebhookGatewayAttributes,
  WebhookGatewayProps,
} from './webhook-gateway-props';
export { HmacAlgorithm, JwtAlgorithm, SecretOrigin, SignatureEncoding, WebhookSource } from './webhook-source';
export type {
  ApiKeySourceOptions,
  BasicAuthSourceOptions,
  HeaderMatchSourceOptions,
  HmacSourceOptions,
  JwtSourceOptions,
  SecretSourceOptions,
  TimestampSourceOptions,
} from './webhook-source';
