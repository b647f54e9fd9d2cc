import { generateKeyPairSync, randomBytes, randomInt } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EMPTY_SECRET, parseSecretMaterial, type SecretMaterial } from '../../lambdas/core/config/secret';
import type { KeyType, SecretNeed } from './needs';
import { secretKey } from './needs';

/**
 * Development secrets of the local gateway, kept in `<state dir>/dev-secrets.json` (gitignored) so
 * that they survive restarts and `webhook-gateway send` in another terminal signs with them. Each
 * entry is a secret value in any accepted shape, or a generated key pair whose private half only
 * `send` reads.
 */
export interface DevSecret {
  readonly scheme: string;
  /** A shared secret, in any shape a secret value may take (README.md#secrets); rotation writes `{"values": […]}`. */
  readonly secret?: unknown;
  readonly publicKey?: string;
  /** PKCS#8 PEM. */
  readonly privateKey?: string;
}

export type DevSecrets = Record<string, DevSecret>;

export const DEV_SECRETS_FILE = 'dev-secrets.json';

export function devSecretsPath(stateDir: string): string {
  return join(stateDir, DEV_SECRETS_FILE);
}

export function readDevSecrets(stateDir: string): DevSecrets {
  try {
    return JSON.parse(readFileSync(devSecretsPath(stateDir), 'utf8')) as DevSecrets;
  } catch {
    return {};
  }
}

export function writeDevSecrets(stateDir: string, secrets: DevSecrets): void {
  mkdirSync(stateDir, { recursive: true });
  const file = devSecretsPath(stateDir);
  writeFileSync(`${file}.tmp`, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}

/** The material of a development secret, as the verifier reads it. */
export function devMaterial(entry: DevSecret | undefined): SecretMaterial {
  if (!entry) return EMPTY_SECRET;
  const shared = entry.secret === undefined ? EMPTY_SECRET : parseSecretMaterial(entry.secret);
  return entry.publicKey !== undefined ? { values: shared.values, publicKey: entry.publicKey } : shared;
}

/** Reads the development secrets again whenever the file changes (`secret set|rotate` writes it). */
export class DevSecretsReader {
  private mtime = -1;
  private cached: DevSecrets = {};

  constructor(private readonly stateDir: string) {}

  get(key: string): DevSecret | undefined {
    let mtime = 0;
    try {
      mtime = statSync(devSecretsPath(this.stateDir)).mtimeMs;
    } catch {
      // No file yet: no development secrets.
    }
    if (mtime !== this.mtime) {
      this.cached = readDevSecrets(this.stateDir);
      this.mtime = mtime;
    }
    return this.cached[key];
  }
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** 48 alphanumerics: what the constructs generate in Secrets Manager. */
export function randomToken(length = 48): string {
  return Array.from({ length }, () => ALPHANUMERIC[randomInt(ALPHANUMERIC.length)]).join('');
}

/** A value shaped as the provider issues it (Standard Webhooks' `whsec_<base64>`, Teams' base64 token, …). */
export function newSharedSecret(scheme: string): string {
  switch (scheme) {
    case 'standardWebhooks':
    case 'svix':
      return `whsec_${randomBytes(24).toString('base64')}`;
    case 'stripe':
      return `whsec_${randomToken(32)}`;
    case 'msTeams':
      return randomBytes(32).toString('base64');
    case 'slack':
    case 'twilio':
      return randomBytes(16).toString('hex');
    default:
      return randomToken();
  }
}

const ED25519_SPKI_PREFIX_LENGTH = 12;

/** A key pair; the public half as the provider publishes it (Discord: raw hex; SendGrid: base64 DER; else PEM). */
export function newKeyPair(keyType: KeyType, scheme: string): { publicKey: string; privateKey: string } {
  const pair =
    keyType === 'ed25519'
      ? generateKeyPairSync('ed25519')
      : keyType === 'rsa'
        ? generateKeyPairSync('rsa', { modulusLength: 2048 })
        : generateKeyPairSync('ec', {
            namedCurve: { p256: 'prime256v1', p384: 'secp384r1', p521: 'secp521r1' }[keyType],
          });
  const privateKey = pair.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  const der = pair.publicKey.export({ format: 'der', type: 'spki' });
  const publicKey =
    scheme === 'discord'
      ? der.subarray(ED25519_SPKI_PREFIX_LENGTH).toString('hex')
      : scheme === 'sendgrid'
        ? der.toString('base64')
        : pair.publicKey.export({ format: 'pem', type: 'spki' }).toString();
  return { publicKey, privateKey };
}

/** A new development secret for a need. */
export function newDevSecret(need: SecretNeed): DevSecret {
  if (need.keyType) return { scheme: need.scheme, ...newKeyPair(need.keyType, need.scheme) };
  return { scheme: need.scheme, secret: newSharedSecret(need.scheme) };
}

/**
 * Development secrets for `needs` that have none yet (or whose scheme changed), kept with the
 * existing ones; returns the keys that were generated.
 */
export function ensureDevSecrets(stateDir: string, needs: readonly SecretNeed[]): string[] {
  const secrets = readDevSecrets(stateDir);
  const created: string[] = [];
  for (const need of needs) {
    const key = secretKey(need.webhook, need.ref);
    if (secrets[key]?.scheme === need.scheme) continue;
    secrets[key] = newDevSecret(need);
    created.push(key);
  }
  if (created.length > 0) writeDevSecrets(stateDir, secrets);
  return created;
}
