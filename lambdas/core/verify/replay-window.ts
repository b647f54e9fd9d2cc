import { DEFAULT_MAX_TOKEN_AGE_SECONDS, isPreset, type PresetName, type VerifierConfig } from '../config/verifier';

/** Each scheme's tolerance (seconds, both directions) when the webhook sets none; absent: no signed timestamp. */
export const DEFAULT_TOLERANCES: Readonly<Partial<Record<PresetName | 'hmac', number>>> = {
  stripe: 300,
  standardWebhooks: 300,
  svix: 300,
  slack: 300,
  sendgrid: 300,
  discord: 300,
  zoom: 300,
  /** The window @linear/sdk's LinearWebhookClient applies to `webhookTimestamp`. */
  linear: 60,
  /** WebhooksValidator.MAX_VALID_TIME_DIFFERENCE in @paddle/paddle-node-sdk. */
  paddle: 5,
  hmac: 300,
};

/** One scheme's bound on replays: how long it accepts one signed request, or none where nothing signed carries a time. */
export interface ReplayBound {
  /** The scheme, e.g. `stripe`, `hmac`, `jwt`. */
  readonly scheme: string;
  /** How long the same signed request is accepted, in seconds; undefined when unbounded. */
  readonly windowSeconds?: number;
  /** The option that sets it, for messages. */
  readonly option: 'tolerance' | 'maxTokenAge';
}

/** A timestamp accepted `tolerance` seconds either side: a window of twice that. */
function toleranceBound(scheme: string, toleranceSeconds: number | undefined): ReplayBound {
  return toleranceSeconds === undefined
    ? { scheme, option: 'tolerance' }
    : { scheme, option: 'tolerance', windowSeconds: 2 * toleranceSeconds };
}

/**
 * How long each scheme of a verifier accepts the same signed request. A request signed at `t` is
 * accepted from `t - tolerance` to `t + tolerance`: a verbatim copy is refused by the signature
 * check only after that window, and by deduplication only while its marker lives. So replays are
 * stopped for good when the window is shorter than the dedup retention. A JWT is accepted from
 * `clockSkew` before it was issued to `maxTokenAge + clockSkew` after (jwt.ts, tokenAgeProblem).
 */
export function replayBounds(config: VerifierConfig): ReplayBound[] {
  switch (config.type) {
    case 'allOf':
      return config.sources.flatMap(replayBounds);
    case 'hmac':
      return [
        toleranceBound(
          'hmac',
          config.timestampHeader === undefined ? undefined : (config.toleranceSeconds ?? DEFAULT_TOLERANCES.hmac!),
        ),
      ];
    case 'jwt': {
      // Without a required exp, a token with neither iat nor exp has no age: it verifies for ever.
      if (config.requireExpiry === false) return [{ scheme: 'jwt', option: 'maxTokenAge' }];
      const skew = config.clockSkewSeconds ?? 30;
      const maxAge = config.maxTokenAgeSeconds ?? DEFAULT_MAX_TOKEN_AGE_SECONDS;
      return [{ scheme: 'jwt', option: 'maxTokenAge', windowSeconds: maxAge + 2 * skew }];
    }
    default: {
      if (!isPreset(config)) return [toleranceBound(config.type, undefined)];
      const fallback = DEFAULT_TOLERANCES[config.type];
      return [toleranceBound(config.type, fallback === undefined ? undefined : (config.toleranceSeconds ?? fallback))];
    }
  }
}
