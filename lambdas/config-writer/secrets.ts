import { createHash, randomInt } from 'node:crypto';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  type DescribeSecretCommandOutput,
  RestoreSecretCommand,
  type SecretsManagerClient,
  TagResourceCommand,
  UpdateSecretCommand,
} from '@aws-sdk/client-secrets-manager';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import type { SecretResourceProperties } from './secret-resource';

export { SECRET_RESOURCE_TYPE, type SecretResourceProperties } from './secret-resource';

export interface SecretWriterResult {
  readonly PhysicalResourceId: string;
  /** The ARN and name only: the value is never returned (the framework logs responses). */
  readonly Data: { readonly Arn: string; readonly Name: string };
}

export const SECRET_TAGS = { gateway: 'webhook-gateway:gateway', owner: 'webhook-gateway:owner' } as const;

/** Generated values: 48 letters and digits, stored as `{"value": "…"}`. */
const GENERATED_LENGTH = 48;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const EMPTY_VALUE = '{"values":[]}';
const MAX_ATTEMPTS = 8;

export class SecretNotAdoptableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretNotAdoptableError';
  }
}

export interface SecretWriterOptions {
  /** Waits between attempts while a deleted secret of the same name is being removed. */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly randomValue?: () => string;
}

function generated(): string {
  let value = '';
  for (let i = 0; i < GENERATED_LENGTH; i++) value += ALPHABET[randomInt(ALPHABET.length)];
  return value;
}

/** Which resource owns a secret: its stack and logical id, hashed to fit a tag value. */
export function ownerOf(event: Pick<CloudFormationCustomResourceEvent, 'StackId' | 'LogicalResourceId'>): string {
  return createHash('sha256').update(`${event.StackId}\u0000${event.LogicalResourceId}`).digest('hex');
}

const keyIdOf = (key: string | undefined) => key?.split('/').pop();
const tagOf = (secret: DescribeSecretCommandOutput, key: string) => secret.Tags?.find((t) => t.Key === key)?.Value;

/**
 * The webhook secrets of the gateway, as a custom resource rather than AWS::SecretsManager::Secret,
 * because a webhook removed and added again must deploy: with the default removal policy its secret
 * was kept, and CloudFormation cannot create a secret whose name exists.
 *
 * Create adopts an existing secret of the same name that carries this gateway's tag and key
 * (restoring it when it is scheduled for deletion) and otherwise creates it, with a value generated
 * here or empty. Update changes the description, never the value. Delete (only sent with the
 * DESTROY removal policy) deletes the secret without a recovery window, as CloudFormation does for
 * its own secrets, unless another resource has adopted it since.
 */
export function createSecretWriter(client: SecretsManagerClient, options: SecretWriterOptions = {}) {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const randomValue = options.randomValue ?? generated;

  const describe = async (secretId: string) => {
    try {
      return await client.send(new DescribeSecretCommand({ SecretId: secretId }));
    } catch (error) {
      if ((error as Error).name === 'ResourceNotFoundException') return undefined;
      throw error;
    }
  };

  const result = (arn: string, name: string): SecretWriterResult => ({
    PhysicalResourceId: arn,
    Data: { Arn: arn, Name: name },
  });

  async function adopt(props: SecretResourceProperties, found: DescribeSecretCommandOutput, owner: string) {
    const name = props.SecretName;
    if (tagOf(found, SECRET_TAGS.gateway) !== props.Gateway) {
      throw new SecretNotAdoptableError(
        `secret "${name}" exists and was not created by webhook gateway ${props.Gateway}: delete it, or give the webhook another name or the gateway another secretPrefix`,
      );
    }
    if (keyIdOf(found.KmsKeyId) !== keyIdOf(props.KmsKeyId)) {
      throw new SecretNotAdoptableError(
        `secret "${name}", kept from an earlier deployment of this gateway, is encrypted with another KMS key (${found.KmsKeyId}) that the gateway cannot use: re-encrypt it (aws secretsmanager update-secret --secret-id ${name} --kms-key-id ${props.KmsKeyId}) or delete it (aws secretsmanager delete-secret --secret-id ${name} --force-delete-without-recovery), then deploy again`,
      );
    }
    if (found.DeletedDate) await client.send(new RestoreSecretCommand({ SecretId: found.ARN }));
    await client.send(new UpdateSecretCommand({ SecretId: found.ARN, Description: props.Description }));
    await client.send(
      new TagResourceCommand({ SecretId: found.ARN, Tags: [{ Key: SECRET_TAGS.owner, Value: owner }] }),
    );
    return result(found.ARN!, name);
  }

  async function ensure(props: SecretResourceProperties, owner: string): Promise<SecretWriterResult> {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      if (attempt > 1) await sleep(Math.min(10_000, 1000 * 2 ** (attempt - 2)));
      const found = await describe(props.SecretName);
      try {
        if (found) return await adopt(props, found, owner);
        const value = props.Value === 'generated' ? JSON.stringify({ value: randomValue() }) : EMPTY_VALUE;
        const created = await client.send(
          new CreateSecretCommand({
            Name: props.SecretName,
            Description: props.Description,
            KmsKeyId: props.KmsKeyId,
            SecretString: value,
            Tags: [
              { Key: SECRET_TAGS.gateway, Value: props.Gateway },
              { Key: SECRET_TAGS.owner, Value: owner },
            ],
          }),
        );
        return result(created.ARN!, props.SecretName);
      } catch (error) {
        // A secret deleted without recovery lingers for a moment; one of the same name may appear meanwhile.
        const name = (error as Error).name;
        if (name !== 'InvalidRequestException' && name !== 'ResourceExistsException') throw error;
      }
    }
    throw new SecretNotAdoptableError(
      `secret "${props.SecretName}" could neither be created nor adopted: it is scheduled for deletion and could not be restored; restore it (aws secretsmanager restore-secret --secret-id ${props.SecretName}) or wait until it is gone, then deploy again`,
    );
  }

  return async (event: CloudFormationCustomResourceEvent): Promise<SecretWriterResult> => {
    const props = event.ResourceProperties as unknown as SecretResourceProperties;
    const owner = ownerOf(event);
    switch (event.RequestType) {
      case 'Create':
        return ensure(props, owner);
      case 'Update': {
        const old = event.OldResourceProperties as unknown as SecretResourceProperties;
        // A new name is a new secret: CloudFormation then deletes the old one per its removal policy.
        if (old.SecretName !== props.SecretName) return ensure(props, owner);
        await client.send(
          new UpdateSecretCommand({
            SecretId: event.PhysicalResourceId,
            Description: props.Description,
            ...(keyIdOf(old.KmsKeyId) !== keyIdOf(props.KmsKeyId) && { KmsKeyId: props.KmsKeyId }),
          }),
        );
        return result(event.PhysicalResourceId, props.SecretName);
      }
      case 'Delete': {
        // A create that failed left the framework's placeholder id, not a secret ARN.
        if (!event.PhysicalResourceId.startsWith('arn:')) return result(event.PhysicalResourceId, props.SecretName);
        const found = await describe(event.PhysicalResourceId);
        if (found && !found.DeletedDate && tagOf(found, SECRET_TAGS.owner) === owner) {
          await client.send(
            new DeleteSecretCommand({ SecretId: event.PhysicalResourceId, ForceDeleteWithoutRecovery: true }),
          );
        }
        return result(event.PhysicalResourceId, props.SecretName);
      }
    }
  };
}
