import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { EMPTY_SECRET, parseSecretMaterial, type SecretMaterial } from '../core/config/secret';
import type { SecretLocation } from '../core/config/webhook';
import { TtlCache } from './cache';
import type { Clock, SecretStore } from './ports';
import { systemClock } from './ports';

/**
 * Secrets from Secrets Manager, cached per secret id (a secret shared by several webhooks is read
 * once). A secret without a current value yet reads as empty, so its webhook answers 401 with
 * `secret_not_set` rather than 503. A value that does not parse throws InvalidSecretFormatError.
 */
export class SecretsManagerSecretStore implements SecretStore {
  private readonly cache: TtlCache<SecretMaterial>;

  constructor(
    private readonly client: SecretsManagerClient,
    ttlSeconds = 60,
    clock: Clock = systemClock,
  ) {
    this.cache = new TtlCache(ttlSeconds * 1000, clock);
  }

  get(location: SecretLocation, _owner?: { readonly webhook: string; readonly ref: string }): Promise<SecretMaterial> {
    return this.cache.get(location.secretId, async () => {
      try {
        const result = await this.client.send(new GetSecretValueCommand({ SecretId: location.secretId }));
        const text =
          result.SecretString ?? (result.SecretBinary ? Buffer.from(result.SecretBinary).toString('utf8') : '');
        return parseSecretMaterial(text);
      } catch (error) {
        if (error instanceof ResourceNotFoundException) return EMPTY_SECRET;
        throw error;
      }
    });
  }
}
