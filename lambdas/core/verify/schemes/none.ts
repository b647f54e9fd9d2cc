import type { NoneVerifierConfig } from '../../config/verifier';
import { hashedKey, signedBytesKey, verified } from '../common';
import type { Scheme } from '../types';

/** `none`: accepts every request. Only ever used when a webhook names it explicitly. */
export const none: Scheme<NoneVerifierConfig> = {
  verify: (_config, ctx) => verified('none', hashedKey(signedBytesKey('', ctx.request.body), 'body-hash')),
  sensitiveHeaders: () => [],
};
