import { isPreset, type PresetName, type VerifierConfig } from '../config/verifier';

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

/** One scheme's bound on replays: its tolerance, or none where nothing signed carries a time. */
export interface ReplayBound {
  /** The scheme, e.g. `stripe`, `hmac`, `jwt`. */
  readonly scheme: string;
  /** The accepted clock difference, both directions, in seconds; undefined when unbounded. */
  readonly toleranceSeconds?: number;
  /** The option that sets it, for messages. */
  readonly option: 'tolerance' | 'clockSkew';
}

/**
 * How long each scheme of a verifier accepts the same signed request. A request signed at `t` is
 * accepted from `t - tolerance` to `t + tolerance`: a verbatim copy is refused by the signature
 * check only after that window, and by deduplication only while its marker lives. So replays are
 * stopped for good when 2 × tolerance is shorter than the dedup retention. A JWT is bounded by its
 * own `exp` (set by the issuer, unknown here) and the clock skew.
 */
export function replayBounds(config: VerifierConfig): ReplayBound[] {
  switch (config.type) {
    case 'allOf':
      return config.sources.flatMap(replayBounds);
    case 'hmac':
      return config.timestampHeader === undefined
        ? [{ scheme: 'hmac', option: 'tolerance' }]
        : [
            {
              scheme: 'hmac',
              option: 'tolerance',
              toleranceSeconds: config.toleranceSeconds ?? DEFAULT_TOLERANCES.hmac!,
            },
          ];
    case 'jwt':
      return [{ scheme: 'jwt', option: 'clockSkew', toleranceSeconds: config.clockSkewSeconds ?? 30 }];
    default: {
      if (!isPreset(config)) return [{ scheme: config.type, option: 'tolerance' }];
      const fallback = DEFAULT_TOLERANCES[config.type];
      const tolerance = fallback === undefined ? undefined : (config.toleranceSeconds ?? fallback);
      return [
        { scheme: config.type, option: 'tolerance', ...(tolerance !== undefined && { toleranceSeconds: tolerance }) },
      ];
    }
  }
}
