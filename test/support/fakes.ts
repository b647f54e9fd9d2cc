import { GetObjectCommand, PutObjectCommand, S3Client, type PutObjectCommandInput } from '@aws-sdk/client-s3';
import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import type { FaultInjector } from './faults';
import type { RoundTripRecorder } from './round-trips';

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Secrets Manager has no local server: a stubbed client serving `values` (SecretId → SecretString);
 * an unknown id fails as Secrets Manager does for a secret without a value.
 */
export function fakeSecretsManager(
  values: Record<string, string>,
  recorder?: RoundTripRecorder,
  faults?: FaultInjector,
) {
  const client = new SecretsManagerClient({ region: 'us-east-1' });
  const mock = mockClient(client);
  mock.on(GetSecretValueCommand).callsFake((input: { SecretId: string }) => {
    const call = async () => {
      await delay(2);
      const value = values[input.SecretId];
      if (value === undefined) {
        throw new ResourceNotFoundException({
          message: "Secrets Manager can't find the specified secret.",
          $metadata: {},
        });
      }
      return { SecretString: value, Name: input.SecretId };
    };
    const recorded = () => (recorder ? recorder.around('secretsManager', 'GetSecretValueCommand', call) : call());
    return faults ? faults.around('secretsmanager', 'secrets.get', recorded) : recorded();
  });
  return { client, mock, values };
}

/** S3 has no local server here: a stubbed client keeping objects in memory (puts are `payloads.put` to `faults`). */
export function fakeS3(recorder?: RoundTripRecorder, faults?: FaultInjector) {
  const client = new S3Client({ region: 'us-east-1' });
  const mock = mockClient(client);
  const objects = new Map<string, { body: Buffer; contentType?: string }>();
  mock.on(PutObjectCommand).callsFake((input: PutObjectCommandInput) => {
    const call = async () => {
      await delay(5);
      const body = typeof input.Body === 'string' ? Buffer.from(input.Body) : Buffer.from(input.Body as Uint8Array);
      objects.set(`${input.Bucket}/${input.Key}`, {
        body,
        ...(input.ContentType && { contentType: input.ContentType }),
      });
      return { ETag: '"e"' };
    };
    const recorded = () => (recorder ? recorder.around('s3', 'PutObjectCommand', call) : call());
    return faults ? faults.around('s3', 'payloads.put', recorded) : recorded();
  });
  mock.on(GetObjectCommand).callsFake(async (input: { Bucket: string; Key: string }) => {
    const object = objects.get(`${input.Bucket}/${input.Key}`);
    if (!object) throw Object.assign(new Error('NoSuchKey'), { name: 'NoSuchKey' });
    return { Body: { transformToByteArray: async () => new Uint8Array(object.body) } as never };
  });
  return { client, mock, objects };
}
