import { readFile } from 'node:fs/promises';
import { EMPTY_SECRET, parseSecretMaterial, type SecretMaterial } from '../core/config/secret';
import { DEFAULT_SECRET } from '../core/config/verifier';
import type { SecretStore } from './ports';

/**
 * Secrets for the local gateway, from environment variables and an optional JSON file:
 *   WEBHOOK_SECRET_<WEBHOOK>            the webhook's default secret
 *   WEBHOOK_SECRET_<WEBHOOK>_<REF>      a named secret (allOf members, …)
 * (names upper-cased, `-` → `_`), and a file `{ "<webhook>": <secret>, "<webhook>.<ref>": <secret> }`
 * where each secret is any accepted shape (docs/ARCHITECTURE.md#contracts, secret values). Variables win over the file.
 */
export class LocalSecretStore implements SecretStore {
  private constructor(
    private readonly env: Readonly<Record<string, string | undefined>>,
    private readonly file: Readonly<Record<string, unknown>>,
  ) {}

  static async create(
    options: { env?: Record<string, string | undefined>; file?: string } = {},
  ): Promise<LocalSecretStore> {
    const file = options.file ? (JSON.parse(await readFile(options.file, 'utf8')) as unknown) : {};
    if (file === null || typeof file !== 'object' || Array.isArray(file)) {
      throw new TypeError(`${options.file}: expected a JSON object of webhook name → secret`);
    }
    return new LocalSecretStore(options.env ?? process.env, file as Record<string, unknown>);
  }

  static fromValues(values: Record<string, unknown>): LocalSecretStore {
    return new LocalSecretStore({}, values);
  }

  async get(_location: unknown, owner: { webhook: string; ref: string }): Promise<SecretMaterial> {
    const own = owner.ref === DEFAULT_SECRET;
    const variable = `WEBHOOK_SECRET_${envName(owner.webhook)}${own ? '' : `_${envName(owner.ref)}`}`;
    const raw = this.env[variable] ?? this.file[own ? owner.webhook : `${owner.webhook}.${owner.ref}`];
    return raw === undefined ? EMPTY_SECRET : parseSecretMaterial(raw);
  }
}

function envName(name: string): string {
  return name.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}
