/**
 * Words that mark a header as carrying a credential or a signature, whatever scheme the webhook
 * verifies: a sender that posts its `Authorization`, `Stripe-Signature` or `Cookie` to a webhook
 * configured for another scheme still has them redacted from the history and the workflow input.
 * Matched case-insensitively anywhere in the name (`x-api-key`, `x-gitlab-token`,
 * `x-shopify-hmac-sha256`, `proxy-authorization`, `set-cookie`, …).
 */
export const CREDENTIAL_HEADER_WORDS = [
  'authorization',
  'signature',
  'token',
  'secret',
  'api-key',
  'apikey',
  'api_key',
  'password',
  'passwd',
  'cookie',
  'hmac',
  'credential',
] as const;

/**
 * Delivery labels whose names contain one of those words but that carry no credential: Twilio's
 * `I-Twilio-Idempotency-Token` (an id, shown as the delivery id) stays visible.
 */
const LABEL_WORDS = ['idempotency'] as const;

const LABEL = new RegExp(LABEL_WORDS.join('|'));
const CREDENTIAL = new RegExp(CREDENTIAL_HEADER_WORDS.join('|'));

/**
 * The answers for names already seen: every request repeats the same few dozen headers, and the
 * two regular expressions cost about 0.1 µs per name (`npm run bench -- ingest`).
 */
const answers = new Map<string, boolean>();
const MAX_REMEMBERED = 512;

/** True for a header that is redacted from every record whatever the webhook's scheme. */
export function isCredentialHeader(name: string): boolean {
  let answer = answers.get(name);
  if (answer === undefined) {
    const lower = name.toLowerCase();
    answer = !LABEL.test(lower) && CREDENTIAL.test(lower);
    // Bounded, so that a sender inventing header names cannot grow it; emptied when full, so that
    // names invented first do not keep the real ones out.
    if (answers.size >= MAX_REMEMBERED) answers.clear();
    answers.set(name, answer);
  }
  return answer;
}
