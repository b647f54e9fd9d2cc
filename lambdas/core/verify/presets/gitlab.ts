import type { PresetVerifierConfig } from '../../config/verifier';
import { activeSecrets, hashedKey, isRejection, optionalHeader, reject, signedBytesKey, verified } from '../common';
import { matchesAnySecret } from '../schemes/secret-compare';
import type { Scheme } from '../types';

const SCHEME = 'gitlab';
const TOKEN_HEADER = 'x-gitlab-token';

/**
 * GitLab: the webhook's secret token is sent as is in `X-Gitlab-Token` and compared in constant time,
 * lengths included, with every active value (GitLab strips line breaks from the token before sending,
 * so do we).
 * `X-Gitlab-Event` is required. GitLab signs nothing, so the dedup key is a hash of the body; the
 * label is `Idempotency-Key` (GitLab 17.4+ keeps it across retries of one delivery).
 * `X-Gitlab-Event-UUID` is not used, as every hook triggered by the same originating request shares it.
 */
export const gitlab: Scheme<PresetVerifierConfig> = {
  verify(config, ctx) {
    const token = optionalHeader(ctx, SCHEME, TOKEN_HEADER);
    if (isRejection(token)) return token;
    if (token === undefined || token === '') return reject(SCHEME, 'missing_credentials', 'X-Gitlab-Token is missing');
    const event = optionalHeader(ctx, SCHEME, 'x-gitlab-event');
    if (isRejection(event)) return event;
    if (event === undefined || event.trim() === '')
      return reject(SCHEME, 'missing_header', 'X-Gitlab-Event is missing');
    const idempotencyKey = optionalHeader(ctx, SCHEME, 'idempotency-key');
    if (isRejection(idempotencyKey)) return idempotencyKey;
    const secrets = activeSecrets(ctx, SCHEME, config.secret);
    if (isRejection(secrets)) return secrets;

    // Hashed before comparing, as API keys are: the token's length is part of the secret.
    const tokens = secrets.map((s) => s.replace(/[\r\n]/g, ''));
    if (!matchesAnySecret(token, tokens)) {
      return reject(SCHEME, 'credentials_mismatch', 'X-Gitlab-Token matches no active secret');
    }

    const eventType = event.trim();
    return verified(SCHEME, {
      ...hashedKey(signedBytesKey('', ctx.request.body), 'body-hash', idempotencyKey),
      eventType,
    });
  },
  sensitiveHeaders: () => [TOKEN_HEADER],
};
