import { DEFAULT_SECRET } from '../../lambdas/core/config/verifier';
import { describeFailure } from '../errors';
import type { SecretAccess } from '../secrets/access';
import { secretKey, secretNeeds, secretState, type SecretNeed } from '../secrets/needs';
import { fail, pass, skip, type CheckResult, type DoctorSubject } from './report';

/**
 * The secrets the deploy could not fill in — provider-issued values and public keys, created
 * empty — one line each: until one is set, its webhook refuses every request (401,
 * `secret_not_set`). Generated secrets have a value from the start and are not listed.
 */
export async function checkSecrets(subject: DoctorSubject, now = new Date()): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const webhook of subject.webhooks) {
    if (!webhook.config) {
      results.push(skip(`secret ${webhook.name}`, `not checked: ${webhook.configProblem ?? 'its config is unknown'}`));
      continue;
    }
    for (const need of secretNeeds(webhook.config).filter((n) => n.origin !== 'generated')) {
      const check = `secret ${secretKey(webhook.name, need.ref)}`;
      const access = await subject.secret(webhook.config, need);
      if ('unreadable' in access) {
        results.push(skip(check, access.unreadable));
        continue;
      }
      results.push(await checkOne(subject, need, access, check, now));
    }
  }
  return results;
}

async function checkOne(
  subject: DoctorSubject,
  need: SecretNeed,
  access: SecretAccess,
  check: string,
  now: Date,
): Promise<CheckResult> {
  const what = need.origin === 'public-key' ? 'public key' : 'provider-issued secret';
  let material;
  try {
    material = await access.read();
  } catch (error) {
    if ((error as Error).name === 'InvalidSecretFormatError') {
      return fail(
        check,
        `${need.scheme} ${what} does not parse (${access.label}): ${describeFailure(error)}`,
        setFix(subject, need, access),
      );
    }
    return fail(
      check,
      `could not read ${access.label}: ${describeFailure(error)}`,
      "allow secretsmanager:GetSecretValue on the secret, and kms:Decrypt on the gateway's key, to the credentials you run doctor with",
    );
  }
  const state = secretState(need, material, now);
  if (state === 'set') return pass(check, `${need.scheme} ${what} is set (${access.label})`);
  return fail(
    check,
    `${need.scheme} ${what} ${state === 'empty' ? 'is empty' : 'has only expired values'} (${access.label}): every request is refused (401, secret_not_set)`,
    setFix(subject, need, access),
  );
}

/** The exact command (or file or variable) that sets the value. */
function setFix(subject: DoctorSubject, need: SecretNeed, access: SecretAccess): string {
  const publicKey = need.origin === 'public-key';
  const where = publicKey
    ? `the public key ${need.scheme} publishes`
    : `the signing secret ${need.scheme} shows for this webhook`;
  const source = access.source;
  if (source?.kind === 'env') return `set ${source.variable} to ${where}, and restart the local gateway`;
  if (source?.kind === 'file') {
    return `put ${where} under "${secretKey(need.webhook, need.ref)}" in ${source.file}, and restart the local gateway`;
  }
  const value = publicKey ? '--public-key <key or @file>' : '<value>';
  const ref = need.ref === DEFAULT_SECRET ? '' : ` --ref ${need.ref}`;
  return `webhook-gateway secret set ${need.webhook} ${value}${ref}${subject.args}   (${where})`;
}
