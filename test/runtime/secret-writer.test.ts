import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  InvalidRequestException,
  PutSecretValueCommand,
  ResourceNotFoundException,
  RestoreSecretCommand,
  SecretsManagerClient,
  TagResourceCommand,
  UpdateSecretCommand,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  createSecretWriter,
  ownerOf,
  SECRET_RESOURCE_TYPE,
  SECRET_TAGS,
  type SecretResourceProperties,
} from '../../lambdas/config-writer/secrets';

const sm = mockClient(SecretsManagerClient);
const KEY = 'arn:aws:kms:eu-west-1:123456789012:key/1111-2222';
const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:App/Webhooks/github-AbCdEf';
const STACK = 'arn:aws:cloudformation:eu-west-1:123456789012:stack/App-Webhooks5/uuid';

const props = (over: Partial<SecretResourceProperties> = {}): SecretResourceProperties => ({
  SecretName: 'App/Webhooks/github',
  Description: 'Webhook "github" (hmac): generated; configure the sender with the "value" field.',
  KmsKeyId: KEY,
  Value: 'generated',
  Gateway: 'App-Webhooks',
  ...over,
});

function event(
  type: 'Create' | 'Update' | 'Delete',
  properties: SecretResourceProperties,
  extra: Record<string, unknown> = {},
): CloudFormationCustomResourceEvent {
  return {
    RequestType: type,
    ServiceToken: 'arn:aws:lambda:eu-west-1:123456789012:function:framework',
    ResponseURL: 'https://example.invalid/response',
    StackId: STACK,
    RequestId: 'request-1',
    LogicalResourceId: 'githubSecret1234',
    ResourceType: SECRET_RESOURCE_TYPE,
    ResourceProperties: { ServiceToken: 'token', ...properties },
    ...(type !== 'Create' && { PhysicalResourceId: ARN }),
    ...extra,
  } as unknown as CloudFormationCustomResourceEvent;
}

const owner = ownerOf({ StackId: STACK, LogicalResourceId: 'githubSecret1234' });
const notFound = () =>
  new ResourceNotFoundException({ message: "Secrets Manager can't find the specified secret.", $metadata: {} });
const sleeps: number[] = [];
const writer = createSecretWriter(new SecretsManagerClient({}), {
  sleep: async (ms) => void sleeps.push(ms),
  randomValue: () => 'R4nd0mValue',
});

/** A secret as DescribeSecret shows it, kept by this gateway when its webhook was removed. */
const kept = (over: Record<string, unknown> = {}) => ({
  ARN,
  Name: 'App/Webhooks/github',
  KmsKeyId: KEY,
  Tags: [
    { Key: SECRET_TAGS.gateway, Value: 'App-Webhooks' },
    { Key: SECRET_TAGS.owner, Value: 'a-resource-since-removed' },
  ],
  ...over,
});

beforeEach(() => {
  sm.reset();
  sleeps.length = 0;
});

describe('Custom::WebhookGatewaySecret create', () => {
  it('creates a generated value under the gateway key, tagged with the gateway and its owner, and never returns it', async () => {
    sm.on(DescribeSecretCommand).rejects(notFound());
    sm.on(CreateSecretCommand).resolves({ ARN, Name: 'App/Webhooks/github' });
    const result = await writer(event('Create', props()));
    expect(sm.commandCalls(CreateSecretCommand)[0]!.args[0].input).toEqual({
      Name: 'App/Webhooks/github',
      Description: props().Description,
      KmsKeyId: KEY,
      SecretString: '{"value":"R4nd0mValue"}',
      Tags: [
        { Key: SECRET_TAGS.gateway, Value: 'App-Webhooks' },
        { Key: SECRET_TAGS.owner, Value: owner },
      ],
    });
    expect(result).toEqual({ PhysicalResourceId: ARN, Data: { Arn: ARN, Name: 'App/Webhooks/github' } });
    expect(JSON.stringify(result)).not.toContain('R4nd0mValue');
  });

  it('creates an empty secret for a provider-issued value', async () => {
    sm.on(DescribeSecretCommand).rejects(notFound());
    sm.on(CreateSecretCommand).resolves({ ARN });
    await writer(event('Create', props({ Value: 'empty' })));
    expect(sm.commandCalls(CreateSecretCommand)[0]!.args[0].input.SecretString).toBe('{"values":[]}');
  });

  it('generates 48 letters and digits, different each time', async () => {
    sm.on(DescribeSecretCommand).rejects(notFound());
    sm.on(CreateSecretCommand).resolves({ ARN });
    const real = createSecretWriter(new SecretsManagerClient({}));
    await real(event('Create', props()));
    await real(event('Create', props()));
    const values = sm.commandCalls(CreateSecretCommand).map((c) => JSON.parse(c.args[0].input.SecretString!).value);
    for (const value of values) expect(value).toMatch(/^[A-Za-z0-9]{48}$/);
    expect(values[0]).not.toBe(values[1]);
  });

  it('adopts the secret this gateway kept when the webhook was removed: same value, new owner', async () => {
    sm.on(DescribeSecretCommand).resolves(kept());
    sm.on(UpdateSecretCommand).resolves({ ARN });
    sm.on(TagResourceCommand).resolves({});
    const result = await writer(event('Create', props()));
    expect(result.PhysicalResourceId).toBe(ARN);
    expect(sm.commandCalls(CreateSecretCommand)).toHaveLength(0);
    expect(sm.commandCalls(RestoreSecretCommand)).toHaveLength(0);
    expect(sm.commandCalls(PutSecretValueCommand)).toHaveLength(0);
    expect(sm.commandCalls(UpdateSecretCommand)[0]!.args[0].input).toEqual({
      SecretId: ARN,
      Description: props().Description,
    });
    expect(sm.commandCalls(TagResourceCommand)[0]!.args[0].input).toEqual({
      SecretId: ARN,
      Tags: [{ Key: SECRET_TAGS.owner, Value: owner }],
    });
  });

  it('restores an adopted secret that is scheduled for deletion', async () => {
    sm.on(DescribeSecretCommand).resolves(kept({ DeletedDate: new Date('2026-01-01T00:00:00Z') }));
    sm.on(RestoreSecretCommand).resolves({ ARN });
    await writer(event('Create', props()));
    expect(sm.commandCalls(RestoreSecretCommand)[0]!.args[0].input).toEqual({ SecretId: ARN });
  });

  it("fails, naming the fix, if a secret of that name is another gateway's or nobody's", async () => {
    sm.on(DescribeSecretCommand).resolves(kept({ Tags: [{ Key: SECRET_TAGS.gateway, Value: 'Other-Webhooks' }] }));
    await expect(writer(event('Create', props()))).rejects.toThrow(
      'secret "App/Webhooks/github" exists and was not created by webhook gateway App-Webhooks: delete it, or give the webhook another name or the gateway another secretPrefix',
    );
    sm.on(DescribeSecretCommand).resolves(kept({ Tags: undefined }));
    await expect(writer(event('Create', props()))).rejects.toThrow(/was not created by webhook gateway/);
    expect(sm.commandCalls(UpdateSecretCommand)).toHaveLength(0);
    expect(sm.commandCalls(TagResourceCommand)).toHaveLength(0);
  });

  it('fails, naming both fixes, if the kept secret is encrypted with another KMS key', async () => {
    sm.on(DescribeSecretCommand).resolves(kept({ KmsKeyId: 'arn:aws:kms:eu-west-1:123456789012:key/old' }));
    await expect(writer(event('Create', props()))).rejects.toThrow(
      /encrypted with another KMS key.*update-secret --secret-id App\/Webhooks\/github --kms-key-id arn:aws:kms:eu-west-1:123456789012:key\/1111-2222.*--force-delete-without-recovery/,
    );
  });

  it('waits while a secret deleted without recovery is still being removed, then creates it', async () => {
    sm.on(DescribeSecretCommand).rejects(notFound());
    sm.on(CreateSecretCommand)
      .rejectsOnce(
        new InvalidRequestException({
          message: "You can't create this secret because a secret with this name is already scheduled for deletion.",
          $metadata: {},
        }),
      )
      .resolves({ ARN });
    expect((await writer(event('Create', props()))).PhysicalResourceId).toBe(ARN);
    expect(sm.commandCalls(CreateSecretCommand)).toHaveLength(2);
    expect(sleeps).toEqual([1000]);
  });

  it('gives up after bounded attempts with the manual fix', async () => {
    sm.on(DescribeSecretCommand).resolves(kept({ DeletedDate: new Date() }));
    sm.on(RestoreSecretCommand).rejects(
      new InvalidRequestException({
        message: "You can't perform this operation on the secret because it was deleted.",
        $metadata: {},
      }),
    );
    await expect(writer(event('Create', props()))).rejects.toThrow(/restore-secret --secret-id App\/Webhooks\/github/);
    expect(sleeps).toHaveLength(7);
    expect(Math.max(...sleeps)).toBeLessThanOrEqual(10_000);
  });
});

describe('Custom::WebhookGatewaySecret update', () => {
  it('changes the description only, never the value', async () => {
    sm.on(UpdateSecretCommand).resolves({ ARN });
    const result = await writer(
      event('Update', props({ Value: 'empty', Description: 'new' }), { OldResourceProperties: props() }),
    );
    expect(sm.commandCalls(UpdateSecretCommand)[0]!.args[0].input).toEqual({ SecretId: ARN, Description: 'new' });
    expect(sm.commandCalls(PutSecretValueCommand)).toHaveLength(0);
    expect(sm.commandCalls(CreateSecretCommand)).toHaveLength(0);
    expect(result.PhysicalResourceId).toBe(ARN);
  });

  it('creates (or adopts) the secret of a new name: a new physical id, the old one deleted per the removal policy', async () => {
    const newArn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/github-XyZ123';
    sm.on(DescribeSecretCommand).rejects(notFound());
    sm.on(CreateSecretCommand).resolves({ ARN: newArn });
    const result = await writer(
      event('Update', props({ SecretName: 'prod/github' }), { OldResourceProperties: props() }),
    );
    expect(sm.commandCalls(CreateSecretCommand)[0]!.args[0].input.Name).toBe('prod/github');
    expect(result.PhysicalResourceId).toBe(newArn);
  });
});

describe('Custom::WebhookGatewaySecret delete (removalPolicy DESTROY only)', () => {
  it('deletes the secret it owns without a recovery window, as CloudFormation does its own secrets', async () => {
    sm.on(DescribeSecretCommand).resolves(kept({ Tags: [{ Key: SECRET_TAGS.owner, Value: owner }] }));
    sm.on(DeleteSecretCommand).resolves({});
    await writer(event('Delete', props()));
    expect(sm.commandCalls(DeleteSecretCommand)[0]!.args[0].input).toEqual({
      SecretId: ARN,
      ForceDeleteWithoutRecovery: true,
    });
  });

  it('leaves a secret another resource has adopted since, one already gone, and a failed create alone', async () => {
    sm.on(DescribeSecretCommand).resolves(kept());
    await writer(event('Delete', props()));
    sm.on(DescribeSecretCommand).rejects(notFound());
    await writer(event('Delete', props()));
    sm.reset();
    await writer(event('Delete', props(), { PhysicalResourceId: 'request-1' }));
    expect(sm.commandCalls(DescribeSecretCommand)).toHaveLength(0);
    expect(sm.commandCalls(DeleteSecretCommand)).toHaveLength(0);
  });
});
