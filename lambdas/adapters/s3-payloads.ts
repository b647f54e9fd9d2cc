import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { PayloadRef } from '../core/config/messages';
import type { PayloadStore } from './ports';

/** Large payloads and raw bodies in the payload bucket (encrypted with the bucket's KMS key by default). */
export class S3PayloadStore implements PayloadStore {
  constructor(
    private readonly client: S3Client,
    readonly bucket: string,
  ) {}

  async put(key: string, body: Uint8Array | string, contentType: string): Promise<PayloadRef> {
    await this.client.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType }),
    );
    return { bucket: this.bucket, key };
  }

  async get(ref: PayloadRef): Promise<Buffer> {
    const result = await this.client.send(new GetObjectCommand({ Bucket: ref.bucket, Key: ref.key }));
    if (!result.Body) throw new Error(`s3://${ref.bucket}/${ref.key} has no body`);
    return Buffer.from(await result.Body.transformToByteArray());
  }
}
