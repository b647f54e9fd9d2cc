export { GatewayOutput, GatewayOutputs } from './outputs';
export type { GatewayOutputValues } from './outputs';
export type { CustomDomainOptions } from './custom-domain';
export { ManagedRuleGroup } from './firewall';
export type { ManagedRuleGroupOptions, NamedManagedRuleGroupOptions, WebAclOptions } from './firewall';
export { Webhook } from './webhook';
export type { Quota, RateLimit, RateWindowOptions, RouteOptions, WebhookOptions } from './webhook';
export { WebhookGateway } from './webhook-gateway';
export type { WaitForWebhookOptions, WebhookGatewayProps } from './webhook-gateway-props';
export { HmacAlgorithm, SecretOrigin, SignatureEncoding, WebhookSource } from './webhook-source';
export type {
  ApiKeySourceOptions,
  BasicAuthSourceOptions,
  HeaderMatchSourceOptions,
  HmacSourceOptions,
  JwtAlgorithm,
  JwtSourceOptions,
  SecretSourceOptions,
  SourceSecret,
  TimestampSourceOptions,
  WebhookSourceConfig,
} from './webhook-source';
export type { GenericHandshakeConfig } from '../lambdas/core/config/verifier';
export type { SuccessResponse } from '../lambdas/core/config/webhook';
