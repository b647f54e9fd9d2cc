/**
 * Secret values, one JSON shape everywhere (docs/ARCHITECTURE.md#contracts, secret values):
 *   {"values": [{"value": "…", "expiresAt": "ISO-8601"}]}   shared secrets, several while rotating
 *   {"publicKey": "…"}                                     PEM, base64 DER or hex; JWKS JSON for jwt
 * Shorthands: a plain string (one value), an array of strings (several values), and
 * {"value": "…"} (how the gateway stores the values it generates).
 */

export interface SecretEntry {
  readonly value: string;
  readonly expiresAt?: string;
}

export interface SecretMaterial {
  readonly values: readonly SecretEntry[];
  readonly publicKey?: string;
}

export const EMPTY_SECRET: SecretMaterial = { values: [] };

export class InvalidSecretFormatError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InvalidSecretFormatError';
  }
}

/** Parses a stored secret (a JSON string or an already-parsed value) into SecretMaterial. */
export function parseSecretMaterial(raw: unknown): SecretMaterial {
  let value = raw;
  if (typeof raw === 'string') {
    const trimmed = raw.trim();
    if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
      try {
        value = JSON.parse(trimmed);
      } catch (cause) {
        throw new InvalidSecretFormatError('secret looks like JSON but does not parse', { cause });
      }
    } else {
      // A trailing line break is never part of a secret (`--secret-string file://…` adds one).
      return trimmed === '' ? EMPTY_SECRET : { values: [{ value: raw.replace(/\r?\n$/, '') }] };
    }
  }
  if (Array.isArray(value)) {
    return { values: value.map((v, i) => toEntry(v, `[${i}]`)) };
  }
  if (value !== null && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    const values: SecretEntry[] = [];
    if (obj.values !== undefined) {
      if (!Array.isArray(obj.values)) throw new InvalidSecretFormatError('"values" must be an array');
      obj.values.forEach((v, i) => values.push(toEntry(v, `values[${i}]`)));
    }
    if (typeof obj.value === 'string' && obj.value !== '') values.push({ value: obj.value });
    let publicKey: string | undefined;
    if (obj.publicKey !== undefined) {
      publicKey = typeof obj.publicKey === 'string' ? obj.publicKey : JSON.stringify(obj.publicKey);
    } else if (Array.isArray(obj.keys)) {
      publicKey = JSON.stringify(obj); // a JWKS document stored as is
    }
    return publicKey !== undefined && publicKey.trim() !== '' ? { values, publicKey } : { values };
  }
  throw new InvalidSecretFormatError(`unsupported secret value of type ${value === null ? 'null' : typeof value}`);
}

function toEntry(v: unknown, where: string): SecretEntry {
  if (typeof v === 'string') return { value: v };
  if (v !== null && typeof v === 'object' && typeof (v as SecretEntry).value === 'string') {
    const { value } = v as SecretEntry;
    const expiresAt = (v as { expiresAt?: string | null }).expiresAt ?? undefined; // null: no expiry
    if (expiresAt !== undefined && Number.isNaN(Date.parse(expiresAt))) {
      throw new InvalidSecretFormatError(`${where}.expiresAt is not an ISO-8601 date`);
    }
    return expiresAt === undefined ? { value } : { value, expiresAt };
  }
  throw new InvalidSecretFormatError(`${where} must be a string or {"value": "…"}`);
}

/** The values that may match now: non-empty and not expired. */
export function activeSecretValues(material: SecretMaterial, now: Date): string[] {
  const { values } = material;
  // One value that never expires, as most webhooks have: no filtering.
  if (values.length === 1 && values[0]!.expiresAt === undefined && values[0]!.value !== '') return [values[0]!.value];
  return material.values
    .filter((e) => e.value !== '' && (e.expiresAt === undefined || Date.parse(e.expiresAt) > now.getTime()))
    .map((e) => e.value);
}

/** Serializes material in the canonical shape (what `secret set|rotate` writes). */
export function formatSecretMaterial(material: SecretMaterial): string {
  const out: Record<string, unknown> = {};
  if (material.values.length > 0 || material.publicKey === undefined) out.values = material.values;
  if (material.publicKey !== undefined) out.publicKey = material.publicKey;
  return JSON.stringify(out);
}

/** Adds a new current value, keeping earlier ones active until `previousExpiresAt` (rotation). */
export function rotateSecretMaterial(
  material: SecretMaterial,
  newValue: string,
  previousExpiresAt: Date,
  now: Date,
): SecretMaterial {
  const kept = material.values
    .filter((e) => e.value !== '' && (e.expiresAt === undefined || Date.parse(e.expiresAt) > now.getTime()))
    .map((e) => ({
      value: e.value,
      expiresAt:
        e.expiresAt !== undefined && Date.parse(e.expiresAt) < previousExpiresAt.getTime()
          ? e.expiresAt
          : previousExpiresAt.toISOString(),
    }));
  return { ...material, values: [{ value: newValue }, ...kept] };
}
