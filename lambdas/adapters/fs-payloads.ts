import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { PayloadRef } from '../core/config/messages';
import type { PayloadStore } from './ports';

/**
 * The payload store of the local gateway: files under `root`, addressed as bucket `bucket` so that
 * workflow inputs look as they do on AWS.
 */
export class FilesystemPayloadStore implements PayloadStore {
  private readonly root: string;

  constructor(
    root: string,
    readonly bucket = 'local-payloads',
  ) {
    this.root = resolve(root);
  }

  async put(key: string, body: Uint8Array | string, _contentType?: string): Promise<PayloadRef> {
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, body);
    return { bucket: this.bucket, key };
  }

  async get(ref: PayloadRef): Promise<Buffer> {
    if (ref.bucket !== this.bucket) throw new Error(`unknown local bucket "${ref.bucket}"`);
    return readFile(this.pathOf(ref.key));
  }

  private pathOf(key: string): string {
    const path = resolve(join(this.root, key));
    if (!path.startsWith(this.root + sep)) throw new Error(`payload key "${key}" leaves the payload folder`);
    return path;
  }
}
