import { PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { SecretsManagerSecretStore } from '../../lambdas/adapters/secrets-manager';
import { formatSecretMaterial, type SecretMaterial } from '../../lambdas/core/config/secret';
import type { WebhookConfig } from '../../lambdas/core/config/webhook';
import { CliError } from '../errors';
import type { LocalGatewayState, SecretSource } from '../state';
import type { Target } from '../target';
import { devMaterial, readDevSecrets, writeDevSecrets } from './dev';
import { secretKey, secretVariable, type SecretNeed } from './needs';
import { describeSource, LocalSecrets } from './sources';

/** One secret of a webhook, where the gateway reads it: Secrets Manager, or the local sources. */
export interface SecretAccess {
  /** For messages: `Secrets Manager <id>`, `from WEBHOOK_SECRET_X`, … */
  readonly label: string;
  /** Locally: which source the value comes from. */
  readonly source?: SecretSource;
  read(): Promise<SecretMaterial>;
  write(material: SecretMaterial): Promise<void>;
}

/** The deployed secret, as the ingest reads it (no cache). */
export function deployedSecret(target: Target, config: WebhookConfig, need: SecretNeed): SecretAccess {
  const location = config.secrets[need.ref];
  if (!location)
    throw new CliError(`webhook "${config.name}" has no stored location for secret "${need.ref}": deploy again`);
  const client = target.secretsManager();
  return {
    label: `Secrets Manager ${location.secretId}`,
    read: () => new SecretsManagerSecretStore(client, 0).get(location),
    async write(material) {
      await client.send(
        new PutSecretValueCommand({ SecretId: location.secretId, SecretString: formatSecretMaterial(material) }),
      );
    },
  };
}

/** The local secret, as the local gateway reads it (variables, the --secrets file, development secrets). */
export async function localSecret(
  dir: string,
  need: SecretNeed,
  secretsFile: string | undefined,
): Promise<SecretAccess> {
  const secrets = await LocalSecrets.create({ stateDir: dir, ...(secretsFile !== undefined && { secretsFile }) });
  const source = secrets.sourceOf(need.webhook, need.ref);
  const key = secretKey(need.webhook, need.ref);
  return {
    label: describeSource(source),
    source,
    read: () => secrets.material(need.webhook, need.ref),
    async write(material) {
      if (source.kind === 'env' || source.kind === 'file') {
        throw new CliError(
          `webhook "${need.webhook}"'s local secret comes ${describeSource(source)}: change it there (or unset ${secretVariable(need.webhook, need.ref)} and remove it from the file to use the state directory)`,
        );
      }
      const all = readDevSecrets(dir);
      const entry = all[key];
      all[key] =
        material.publicKey !== undefined
          ? {
              scheme: need.scheme,
              publicKey: material.publicKey,
              ...(material.values.length > 0 && { secret: { values: material.values } }),
            }
          : { scheme: need.scheme, secret: { values: material.values } };
      // Keep the development private key while its public key is still the one stored.
      if (entry?.privateKey && devMaterial(entry).publicKey === material.publicKey)
        all[key] = { ...all[key]!, privateKey: entry.privateKey };
      writeDevSecrets(dir, all);
    },
  };
}

/**
 * The variable the running local gateway reads this secret from, when this shell does not have it
 * (so this process would read another value than the gateway does).
 */
export function variableMissingHere(
  local: LocalGatewayState | undefined,
  webhook: string,
  ref: string,
): string | undefined {
  const sources = local?.gateways.find((g) => g.config.webhooks.some((w) => w.name === webhook))?.secretSources;
  const theirs = sources?.[secretKey(webhook, ref)];
  return theirs?.kind === 'env' && process.env[theirs.variable] === undefined ? theirs.variable : undefined;
}
