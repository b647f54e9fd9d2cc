// The custom resource's contract, apart from its writer: the constructs import it without the AWS SDK.

/** The custom resource type of a webhook secret (lib/private/secrets.ts creates it). */
export const SECRET_RESOURCE_TYPE = 'Custom::WebhookGatewaySecret';

/** Properties of a Custom::WebhookGatewaySecret resource. */
export interface SecretResourceProperties {
  readonly SecretName: string;
  readonly Description: string;
  /** ARN of the gateway's KMS key. */
  readonly KmsKeyId: string;
  /** `generated`: a random value we choose; `empty`: the provider's value, pasted later. */
  readonly Value: 'generated' | 'empty';
  /** The gateway's name: a secret carrying another gateway's tag is never adopted. */
  readonly Gateway: string;
}
