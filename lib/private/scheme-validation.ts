import type { VerifierConfig } from '../../lambdas/core/config/verifier';
import { validateApiKeyConfig } from '../../lambdas/core/verify/schemes/api-key';
import { validateBasicAuthConfig } from '../../lambdas/core/verify/schemes/basic-auth';
import { validateHeaderMatchConfig } from '../../lambdas/core/verify/schemes/header-match';
import { validateHmacConfig } from '../../lambdas/core/verify/schemes/hmac';
import { validateJwtConfig } from '../../lambdas/core/verify/schemes/jwt';

/** Options each factory accepts, to catch misspelled options from JavaScript callers. */
const SECRET = ['secret'];
const TIMESTAMP = ['secret', 'tolerance'];
export const SOURCE_OPTIONS: Readonly<Record<string, readonly string[]>> = {
  github: SECRET,
  shopify: SECRET,
  twilio: SECRET,
  msTeams: SECRET,
  gitlab: SECRET,
  stripe: TIMESTAMP,
  standardWebhooks: TIMESTAMP,
  svix: TIMESTAMP,
  slack: TIMESTAMP,
  sendgrid: TIMESTAMP,
  discord: TIMESTAMP,
  zoom: TIMESTAMP,
  linear: TIMESTAMP,
  paddle: TIMESTAMP,
  hmac: [
    'secret',
    'header',
    'algorithm',
    'encoding',
    'prefix',
    'signedContent',
    'timestampHeader',
    'idHeader',
    'idHeaderIsLabel',
    'tolerance',
  ],
  basicAuth: ['secret', 'username'],
  apiKey: ['secret', 'header', 'queryParameter'],
  jwt: ['secret', 'algorithms', 'issuer', 'audience', 'clockSkew', 'requireExpiry', 'maxTokenAge', 'header'],
  headerMatch: ['headers'],
};

/** Options given to a factory that it does not know. */
export function unknownOptions(type: string, options: object): string[] {
  const known = SOURCE_OPTIONS[type] ?? [];
  return Object.keys(options)
    .filter((key) => !known.includes(key))
    .map((key) => `unknown option "${key}" for ${type} (known: ${known.join(', ') || 'none'})`);
}

/** The verification core's own checks for a generic scheme, plus the preset tolerance check. */
export function schemeProblems(config: VerifierConfig): string[] {
  switch (config.type) {
    case 'hmac':
      return validateHmacConfig(config);
    case 'jwt':
      return validateJwtConfig(config);
    case 'apiKey':
      return validateApiKeyConfig(config);
    case 'basicAuth':
      return validateBasicAuthConfig(config);
    case 'headerMatch':
      return validateHeaderMatchConfig(config);
    case 'allOf':
    case 'none':
      return [];
    default: {
      const tolerance = config.toleranceSeconds;
      return tolerance === undefined || (Number.isInteger(tolerance) && tolerance >= 1)
        ? []
        : [`tolerance ${tolerance} s must be a whole number of seconds, at least 1`];
    }
  }
}

/** Seconds of a duration without throwing on fractions (the checks above report them). */
export function seconds(duration: { toSeconds(opts?: { integral?: boolean }): number } | undefined) {
  return duration?.toSeconds({ integral: false });
}
