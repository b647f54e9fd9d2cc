import type { VerifierConfig, VerifierType } from '../config/verifier';
import { discord } from './presets/discord';
import { github } from './presets/github';
import { gitlab } from './presets/gitlab';
import { linear } from './presets/linear';
import { msTeams } from './presets/ms-teams';
import { paddle } from './presets/paddle';
import { sendgrid } from './presets/sendgrid';
import { shopify } from './presets/shopify';
import { slack } from './presets/slack';
import { standardWebhooks } from './presets/standard-webhooks';
import { stripe } from './presets/stripe';
import { svix } from './presets/svix';
import { twilio } from './presets/twilio';
import { zoom } from './presets/zoom';
import { apiKey } from './schemes/api-key';
import { basicAuth } from './schemes/basic-auth';
import { headerMatch } from './schemes/header-match';
import { hmac } from './schemes/hmac';
import { jwt } from './schemes/jwt';
import { none } from './schemes/none';
import type { Scheme } from './types';

type LeafType = Exclude<VerifierType, 'allOf'>;
type SchemeTable = { readonly [K in LeafType]: Scheme<Extract<VerifierConfig, { type: K }>> };

const SCHEMES: SchemeTable = {
  github,
  stripe,
  standardWebhooks,
  svix,
  slack,
  shopify,
  twilio,
  sendgrid,
  discord,
  zoom,
  linear,
  paddle,
  msTeams,
  gitlab,
  hmac,
  basicAuth,
  apiKey,
  jwt,
  headerMatch,
  none,
};

export function schemeFor<C extends Exclude<VerifierConfig, { type: 'allOf' }>>(config: C): Scheme<C> {
  const scheme = SCHEMES[config.type as LeafType] as unknown as Scheme<C> | undefined;
  if (!scheme) throw new Error(`unknown verification scheme "${config.type}"`);
  return scheme;
}
