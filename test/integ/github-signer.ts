import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { sign } from '@octokit/webhooks-methods';
import { activeSecretValues, parseSecretMaterial } from '../../lambdas/core/config/secret';

/** What the integration test asks the signer to sign. */
export interface SignRequest {
  /** The webhook's secret, by name or ARN. */
  readonly secretId: string;
  /** The exact body the test will POST. */
  readonly body: string;
}

const client = new SecretsManagerClient({});

/**
 * Signs a body as GitHub does (`X-Hub-Signature-256`, with GitHub's own @octokit/webhooks-methods)
 * with the webhook's current secret, read from Secrets Manager. Only the signature leaves the
 * function: the secret stays out of the template, the outputs and the assertion results.
 */
export async function handler(request: SignRequest): Promise<{ signature: string }> {
  const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: request.secretId }));
  const [secret] = activeSecretValues(parseSecretMaterial(SecretString ?? ''), new Date());
  if (secret === undefined) throw new Error(`secret ${request.secretId} has no active value`);
  return { signature: await sign(secret, request.body) };
}
