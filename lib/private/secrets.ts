import { CustomResource, type RemovalPolicy, Token } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { DEFAULT_SECRET, type SecretRefName } from '../../lambdas/core/config/verifier';
import type { SecretLocation } from '../../lambdas/core/config/webhook';
import { SecretOrigin, type SourceSecret } from '../webhook-source';

import { SECRET_RESOURCE_TYPE, type SecretResourceProperties } from '../../lambdas/config-writer/secret-resource';

export interface SecretScope {
  readonly webhook: string;
  /** Names are `<prefix>/<webhook>` and `<prefix>/<webhook>/<ref>`. */
  readonly prefix: string;
  readonly key: kms.IKey;
  readonly removalPolicy: RemovalPolicy;
  /** The custom resource provider that creates or adopts the secrets (the config writer's). */
  readonly serviceToken: string;
  /** Tagged on each secret: a secret of another gateway is never adopted. */
  readonly gatewayName: string;
  /** WebhookOptions.secret: the webhook's own secret for the `default` reference. */
  readonly webhookSecret?: secretsmanager.ISecret;
  /** WebhookGatewayProps.defaultSecret: shared by webhooks whose `default` secret we would generate. */
  readonly sharedSecret?: secretsmanager.ISecret;
}

export interface ResolvedSecrets {
  readonly secrets: Record<SecretRefName, secretsmanager.ISecret>;
  readonly locations: Record<SecretRefName, SecretLocation>;
  /** Secrets given by the user, to be granted by ARN. */
  readonly existing: secretsmanager.ISecret[];
  readonly errors: string[];
}

export function secretName(prefix: string, webhook: string, ref: SecretRefName): string {
  return ref === DEFAULT_SECRET ? `${prefix}/${webhook}` : `${prefix}/${webhook}/${ref}`;
}

/** How the runtime finds an existing secret: its full ARN when known, else its name. */
function existingSecretId(secret: secretsmanager.ISecret): string {
  return secret.secretFullArn ?? secret.secretName;
}

function describe(webhook: string, need: SourceSecret): string {
  switch (need.origin) {
    case SecretOrigin.GENERATED:
      return `Webhook "${webhook}" (${need.scheme}): generated; configure the sender with the "value" field.`;
    case SecretOrigin.PROVIDER_ISSUED:
      return `Webhook "${webhook}" (${need.scheme}): paste the provider's secret as {"values":[{"value":"..."}]}.`;
    case SecretOrigin.PUBLIC_KEY:
      return `Webhook "${webhook}" (${need.scheme}): paste the provider's public key as {"publicKey":"..."}.`;
  }
}

/**
 * The secret behind each reference a source reads: the one given (factory option, else
 * WebhookOptions.secret, else the gateway's shared secret for generated values), otherwise a
 * secret under the gateway's KMS key with a deterministic name, created by a custom resource that
 * adopts the one this gateway kept when the webhook was removed (see lambdas/config-writer/secrets.ts).
 */
export function resolveSecrets(
  scope: Construct,
  needs: readonly SourceSecret[],
  options: SecretScope,
): ResolvedSecrets {
  const out: ResolvedSecrets = { secrets: {}, locations: {}, existing: [], errors: [] };
  for (const need of needs) {
    const isDefault = need.ref === DEFAULT_SECRET;
    if (isDefault && need.secret && options.webhookSecret && need.secret !== options.webhookSecret) {
      out.errors.push(`secret is given both to the webhook and to ${need.scheme}(): give it once`);
    }
    const given =
      need.secret ??
      (isDefault ? options.webhookSecret : undefined) ??
      (isDefault && need.origin === SecretOrigin.GENERATED ? options.sharedSecret : undefined);
    if (given) {
      out.secrets[need.ref] = given;
      out.locations[need.ref] = { secretId: existingSecretId(given) };
      if (!out.existing.includes(given)) out.existing.push(given);
      continue;
    }
    const name = secretName(options.prefix, options.webhook, need.ref);
    const properties: SecretResourceProperties = {
      SecretName: name,
      Description: describe(options.webhook, need),
      KmsKeyId: options.key.keyArn,
      Value: need.origin === SecretOrigin.GENERATED ? 'generated' : 'empty',
      Gateway: options.gatewayName,
    };
    const resource = new CustomResource(scope, isDefault ? 'Secret' : `Secret-${need.ref}`, {
      serviceToken: options.serviceToken,
      resourceType: SECRET_RESOURCE_TYPE,
      properties,
      removalPolicy: options.removalPolicy,
    });
    out.secrets[need.ref] = secretsmanager.Secret.fromSecretAttributes(resource, 'Imported', {
      secretCompleteArn: resource.getAttString('Arn'),
      encryptionKey: options.key,
    });
    out.locations[need.ref] = { secretId: name };
  }
  if (Token.isUnresolved(options.prefix)) out.errors.push('secretPrefix must be known at synth time');
  return out;
}
