import type { BasicAuthVerifierConfig } from '../../config/verifier';
import { activeSecrets, hashedKey, isRejection, reject, signedBytesKey, verified } from '../common';
import { decodeSignature } from '../crypto';
import type { Scheme } from '../types';
import { assertValid } from './config-error';
import { matchesAnySecret, secretEquals } from './secret-compare';

const SCHEME = 'basicAuth';
const BASIC = /^Basic +(\S+)$/i;
const COLON = 0x3a;

/** Human-readable problems with a basicAuth config (empty when it is usable). */
export function validateBasicAuthConfig(config: BasicAuthVerifierConfig): string[] {
  if (typeof config.username !== 'string' || config.username === '') return ['username must not be empty'];
  // RFC 7617: the user-id cannot contain a colon, the first colon ends it.
  if (config.username.includes(':')) return [`username ${JSON.stringify(config.username)} must not contain ":"`];
  return [];
}

/**
 * HTTP Basic authentication (RFC 7617): `Authorization: Basic base64(username:password)`. The
 * username comes from the config, the password is any active secret value. Both parts are compared
 * in constant time, lengths included, and both are always compared.
 */
export const basicAuth: Scheme<BasicAuthVerifierConfig> = {
  verify(config, ctx) {
    assertValid(SCHEME, validateBasicAuthConfig(config));
    const value = ctx.request.headers.single('authorization');
    if (value === 'missing' || value.trim() === '') {
      return reject(SCHEME, 'missing_credentials', 'Authorization is missing');
    }
    if (value === 'ambiguous') {
      return reject(SCHEME, 'ambiguous_header', 'Authorization was sent several times with different values');
    }
    const encoded = BASIC.exec(value.trim())?.[1];
    const credentials = encoded === undefined ? undefined : decodeSignature(encoded, 'base64');
    if (credentials === undefined) return reject(SCHEME, 'malformed_header', 'Authorization is not Basic <base64>');
    const colon = credentials.indexOf(COLON);
    if (colon < 0) return reject(SCHEME, 'malformed_header', 'Basic credentials have no ":" between user and password');

    const secrets = activeSecrets(ctx, SCHEME, config.secret);
    if (isRejection(secrets)) return secrets;
    // Raw bytes, not decoded text: a password with invalid UTF-8 must not match U+FFFD.
    const usernameOk = secretEquals(credentials.subarray(0, colon), config.username);
    const passwordOk = matchesAnySecret(credentials.subarray(colon + 1), secrets);
    if (!(usernameOk && passwordOk)) {
      return reject(SCHEME, 'credentials_mismatch', 'username or password does not match');
    }
    return verified(SCHEME, hashedKey(signedBytesKey('', ctx.request.body), 'body-hash'));
  },
  sensitiveHeaders: () => ['authorization'],
};
