import { PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { SecretsManagerSecretStore } from '../../lambdas/adapters/secrets-manager';
import { formatSecretMaterial, type SecretMaterial } from '../../lambdas/core/config/secret';
import type { WebhookConfig } from '../../lambdas/core/config/webhook';
import { CliError } from '../errors';
import type { LocalGatewayState, SecretSource } from '../state';
import type { Target } from '../target';
import { devMaterial, devSecretsPath, readDevSecrets, writeDevSecrets } from './dev';
import { secretKey, type SecretNeed } from './needs';
import { describeSource, LocalSecrets } from './sources';

/** One secret of a webhook, where the gateway reads it: Secrets Manager, or the local sources. */
export interface SecretAccess {
  /** For messages: `Secrets Manager <id>`, `from WEBHOOK_SECRET_X`, … */
  readonly label: string;
  /** Locally: which source the value comes from. */
  readonly source?: SecretSource;
  /** Why `write` refuses (the secret comes from a variable or a file that is the user's to edit), if it does. */
  readonly refusal?: string;
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

/**
 * The local secret, as the local gateway reads it (variables, the --secrets file, development
 * secrets). With a running gateway, its own record of where the secret comes from decides, not
 * this shell's environment: a variable set only in the gateway's shell still wins there.
 */
export async function localSecret(
  dir: string,
  need: SecretNeed,
  secretsFile: string | undefined,
  local?: LocalGatewayState,
): Promise<SecretAccess> {
  const theirs = runningSource(local, need.webhook, need.ref);
  // The gateway does not read a variable for this secret: neither may a variable of this shell.
  const env = theirs !== undefined && theirs.kind !== 'env' ? {} : process.env;
  const secrets = await LocalSecrets.create({
    stateDir: dir,
    env,
    ...(secretsFile !== undefined && { secretsFile }),
  });
  const source = theirs ?? secrets.sourceOf(need.webhook, need.ref);
  const key = secretKey(need.webhook, need.ref);
  const refusal =
    source.kind === 'env'
      ? `webhook "${need.webhook}"'s local secret comes from ${source.variable}, which ${theirs ? 'the running gateway read at its start' : 'is set in this shell'}: change the variable and restart the gateway, or unset it (and restart) to keep the secret in ${devSecretsPath(dir)}, which secret set|rotate write`
      : source.kind === 'file'
        ? `webhook "${need.webhook}"'s local secret comes ${describeSource(source)}: change it there (the gateway reads the file at its start), or remove it from the file to use ${devSecretsPath(dir)}, which secret set|rotate write`
        : undefined;
  return {
    label: describeSource(source),
    source,
    read: async () => {
      if (source.kind === 'env' && process.env[source.variable] === undefined) {
        throw new CliError(
          `the running local gateway reads webhook "${need.webhook}"'s secret from ${source.variable}, which this shell does not have: the value is the one in the gateway's shell`,
        );
      }
      return secrets.material(need.webhook, need.ref);
    },
    ...(refusal !== undefined && { refusal }),
    async write(material) {
      if (refusal !== undefined) throw new CliError(refusal);
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

/** Where the running local gateway reads a secret from, as it recorded at its start. */
function runningSource(local: LocalGatewayState | undefined, webhook: string, ref: string): SecretSource | undefined {
  const sources = local?.gateways.find((g) => g.config.webhooks.some((w) => w.name === webhook))?.secretSources;
  const theirs = sources?.[secretKey(webhook, ref)];
  return theirs?.kind === 'none' ? undefined : theirs;
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
  const theirs = runningSource(local, webhook, ref);
  return theirs?.kind === 'env' && process.env[theirs.variable] === undefined ? theirs.variable : undefined;
}
