import { readFileSync } from 'node:fs';
import {
  activeSecretValues,
  formatSecretMaterial,
  rotateSecretMaterial,
  type SecretMaterial,
} from '../../lambdas/core/config/secret';
import { DEFAULT_SECRET } from '../../lambdas/core/config/verifier';
import { COMMAND_SPECS, parse, parseDuration, required, targetOptions } from '../args';
import { webhookSource } from '../config-source';
import { CliError, UsageError } from '../errors';
import { deployedSecret, localSecret } from '../secrets/access';
import { newSharedSecret } from '../secrets/dev';
import { secretNeeds } from '../secrets/needs';
import { didYouMean } from '../suggest';
import type { CommandContext } from './context';

export const SECRET_HELP = `webhook-gateway secret get <webhook> [--json]
webhook-gateway secret set <webhook> [VALUE] [--public-key KEY|@FILE]
webhook-gateway secret rotate <webhook> [--value NEW | --public-key KEY|@FILE] [--expire 24h]
    each with [--ref REF] [--app CMD | --stack NAME [--region R]]

get     prints the current value (to paste into the provider's settings); --json prints every
        value with its expiry, in the stored shape
set     writes a value (read from stdin when VALUE is "-"), or a provider's public key
rotate  adds a new current value (generated for secrets you choose: GitHub, GitLab, HMAC, API
        keys, basic auth; --value for provider-issued ones) and keeps the previous ones active
        until --expire (default 24h); prints the new value
Deployed: the webhook's secret in Secrets Manager (the ingest caches it for up to a minute).
Local: the development secrets in the state directory (variables and --secrets files are yours
to edit); the running local gateway reads changes at once.
  --ref REF   another secret of the webhook (an allOf member's), instead of its default one`;

export async function secretCommand(argv: readonly string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parse(argv, COMMAND_SPECS.secret.options, ['action', 'webhook', 'value']);
  if (values.help) return ctx.help(SECRET_HELP);
  const where = targetOptions(values, ctx);
  const action = required(positionals, 0, 'an action: webhook-gateway secret get|set|rotate <webhook>');
  if (!['get', 'set', 'rotate'].includes(action))
    throw new UsageError(
      `unknown action "${action}"${didYouMean(action, ['get', 'set', 'rotate'])}: use get, set or rotate`,
    );
  const name = required(positionals, 1, `the webhook name: webhook-gateway secret ${action} <webhook>`);
  const found = await webhookSource(name, where);
  try {
    const ref = values.ref ?? DEFAULT_SECRET;
    const need = secretNeeds(found.config).find((n) => n.ref === ref);
    if (!need) {
      const refs = secretNeeds(found.config).map((n) => n.ref);
      throw new CliError(
        refs.length === 0
          ? `webhook "${name}" (${found.config.verifier.type}) has no secret`
          : `webhook "${name}" has no secret "${ref}": it has ${refs.join(', ')}`,
      );
    }
    const store = found.target
      ? deployedSecret(found.target, found.config, need)
      : await localSecret(where.stateDir, need, found.local?.secretsFile, found.local);
    const out = (text: string) => ctx.stdout.write(`${text}\n`);
    const note = (text: string) => ctx.stderr.write(`${text}\n`);
    const now = new Date();

    if (action === 'get') {
      const material = await store.read();
      if (values.json) {
        out(formatSecretMaterial(material));
        return 0;
      }
      const current = material.publicKey ?? activeSecretValues(material, now)[0];
      if (current === undefined) {
        throw new CliError(
          `webhook "${name}"'s secret (${store.label}) has no value yet: set it with webhook-gateway secret set ${name} <value>${found.target ? ' --stack …' : ''}`,
        );
      }
      out(current);
      const active = activeSecretValues(material, now).length;
      note(
        `webhook "${name}" (${need.scheme}), ${store.label}: ${active} active value(s)${active > 1 ? ' (rotating; --json shows their expiry)' : ''}`,
      );
      return 0;
    }

    if (store.refusal !== undefined) throw new CliError(store.refusal);
    const publicKey = values['public-key'] !== undefined ? readKey(values['public-key']) : undefined;
    if (action === 'set') {
      const raw = positionals[2] ?? values.value;
      const value = raw === '-' ? readFileSync(0, 'utf8').trim() : raw;
      if (publicKey === undefined && (value === undefined || value === '')) {
        throw new UsageError(
          `missing the value: webhook-gateway secret set ${name} <value>${need.origin === 'public-key' ? ` (or --public-key for ${need.scheme})` : ''}`,
        );
      }
      const material: SecretMaterial =
        publicKey !== undefined ? { values: [], publicKey } : { values: [{ value: value! }] };
      await store.write(material);
      note(`set webhook "${name}"'s secret (${store.label})`);
      return 0;
    }

    const expireAt = new Date(now.getTime() + parseDuration(values.expire ?? '24h', '--expire'));
    const current = await store.read();
    let next: SecretMaterial;
    let shown: string;
    if (need.origin === 'public-key') {
      if (publicKey === undefined)
        throw new UsageError(
          `${need.scheme} verifies with the provider's public key: pass the new one with --public-key`,
        );
      const old = current.publicKey ? [{ value: current.publicKey }] : [];
      next = rotateSecretMaterial({ values: [...old, ...current.values] }, publicKey, expireAt, now);
      next = { values: next.values.slice(1), publicKey };
      shown = publicKey;
    } else {
      const value = values.value ?? (need.origin === 'generated' ? newSharedSecret(need.scheme) : undefined);
      if (value === undefined) {
        throw new UsageError(
          `${need.scheme} issues its own secrets: roll it in the provider's settings and pass the new one with --value`,
        );
      }
      next = rotateSecretMaterial(current, value, expireAt, now);
      shown = value;
    }
    await store.write(next);
    out(shown);
    note(
      `rotated webhook "${name}"'s secret (${store.label}): the previous value(s) stay valid until ${expireAt.toISOString()}`,
    );
    return 0;
  } finally {
    found.target?.close();
  }
}

/** `--public-key` takes the key itself, or `@file`. */
function readKey(option: string): string {
  if (!option.startsWith('@')) return option;
  try {
    return readFileSync(option.slice(1), 'utf8').trim();
  } catch (error) {
    throw new UsageError(`--public-key ${option}: ${(error as Error).message}`);
  }
}
