import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { SigningMaterial } from '../../../cli/sign';

/** A key pair as the provider shows the public half (hex, base64 DER or PEM) and the PKCS#8 private PEM. */
export interface KeyPair {
  readonly publicKey: string;
  readonly privateKeyPem: string;
}

export function ed25519Pair(): KeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  // Discord shows the application's public key as the raw 32 bytes in hex.
  const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url').toString('hex');
  return { publicKey: raw, privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString() };
}

export function p256Pair(format: 'der' | 'pem'): KeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return {
    // SendGrid shows its verification key as base64 DER; a JWT issuer publishes PEM.
    publicKey:
      format === 'der'
        ? publicKey.export({ format: 'der', type: 'spki' }).toString('base64')
        : publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
  };
}

/** A Standard Webhooks secret: `whsec_` + base64 of random key bytes. */
export function whsec(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

/** What cli/sign.ts signs with: one value per reference, and private keys. */
export function signingMaterial(
  values: Readonly<Record<string, string>>,
  privateKeys: Readonly<Record<string, string>> = {},
): SigningMaterial {
  return { secret: (ref) => values[ref], privateKey: (ref) => privateKeys[ref] };
}

/** The body of the PKCS#8 PEM (what would leak if a private key were printed). */
export function pemBody(pem: string): string {
  return pem
    .split('\n')
    .filter((l) => !l.startsWith('-----'))
    .join('');
}
