import { hash } from 'node:crypto';

// crypto.hash hashes in one call: no Hash object per digest, which costs about a microsecond
// (measured by `npm run bench -- ingest`), several times per delivery.

/** SHA-256 of UTF-8 text or bytes, as 64 lower-case hex characters. */
export function sha256Hex(data: string | Uint8Array): string {
  return hash('sha256', data, 'hex');
}

/** SHA-256 of UTF-8 text or bytes. */
export function sha256Bytes(data: string | Uint8Array): Buffer {
  return hash('sha256', data, 'buffer');
}
