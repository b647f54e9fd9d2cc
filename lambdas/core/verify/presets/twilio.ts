import { parse as parseQuery, stringify as stringifyQuery } from 'node:querystring';
import type { PresetVerifierConfig } from '../../config/verifier';
import { anyHmacMatches, decodeSignature, sha256Hex, stringsEqual } from '../crypto';
import { activeSecrets, hashedKey, isRejection, optionalHeader, reject, requireHeader, verified } from '../common';
import type { Scheme, VerifyContext } from '../types';

const SCHEME = 'twilio';

/**
 * Twilio: `X-Twilio-Signature: <base64 HMAC-SHA1(auth token, url + params)>`, params being the
 * form-encoded POST parameters sorted by name, each as name + value (a repeated name: its distinct
 * values sorted). A JSON body is not signed itself: the URL carries `bodySHA256=<hex SHA-256 of the
 * body>` and the signature covers the URL alone. The URL variants tried are those of the twilio
 * library's `validateRequest` (with and without the port, then normalized).
 *
 * The dedup key is a SHA-256 of exactly the signed string (the URL variant that matched, then the
 * canonical parameters), so reordered, re-encoded or repeated parameters — all still validly signed —
 * are the same delivery. `I-Twilio-Idempotency-Token` is not signed: it is only the label. A form's
 * CEL input is built from the same canonical set (see `canonicalForm`).
 */
export const twilio: Scheme<PresetVerifierConfig> = {
  verify(config, ctx) {
    const header = requireHeader(ctx, SCHEME, 'x-twilio-signature');
    if (isRejection(header)) return header;
    const idempotencyToken = optionalHeader(ctx, SCHEME, 'i-twilio-idempotency-token');
    if (isRejection(idempotencyToken)) return idempotencyToken;
    const expected = decodeSignature(header.trim(), 'base64');
    if (expected?.length !== 20) {
      return reject(SCHEME, 'malformed_header', 'X-Twilio-Signature is not base64 of 20 bytes');
    }

    const { url, body, mediaType } = ctx.request;
    const bodyHash = searchParam(url, 'bodySHA256');
    let params = '';
    if (bodyHash === undefined) {
      if (mediaType !== 'application/x-www-form-urlencoded' && body.length > 0) {
        return reject(SCHEME, 'malformed_body', `a ${mediaType || 'typeless'} body needs bodySHA256 in the URL`);
      }
      params = sortedParams(ctx.request.text);
    }
    const secrets = activeSecrets(ctx, SCHEME, config.secret);
    if (isRejection(secrets)) return secrets;

    const signedUrl = candidateUrls(url).find((u) => anyHmacMatches('sha1', secrets, u + params, [expected]));
    if (signedUrl === undefined) {
      return reject(SCHEME, 'signature_mismatch', 'no active auth token matches X-Twilio-Signature');
    }
    if (bodyHash !== undefined && !stringsEqual(bodyHash, sha256Hex(body))) {
      return reject(SCHEME, 'signature_mismatch', 'the body does not match the signed bodySHA256');
    }
    // With bodySHA256 the signed URL covers the body through its hash.
    return verified(SCHEME, hashedKey(sha256Hex(signedUrl + params), 'signed-hash', idempotencyToken));
  },
  authenticatedInput: (_config, ctx) => (isSignedForm(ctx) ? canonicalForm(ctx.request.text) : undefined),
  sensitiveHeaders: () => ['x-twilio-signature'],
};

/** A body Twilio signs as parameters (not through bodySHA256). */
function isSignedForm(ctx: VerifyContext): boolean {
  return searchParam(ctx.request.url, 'bodySHA256') === undefined && ctx.request.body.length > 0;
}

/** Each parameter's distinct values, sorted, by name: the set Twilio signs. */
function parameterSet(form: string): Map<string, string[]> {
  const byName = new Map<string, Set<string>>();
  for (const [name, value] of new URLSearchParams(form)) {
    const values = byName.get(name) ?? new Set<string>();
    byName.set(name, values.add(value));
  }
  return new Map([...byName].map(([name, values]) => [name, [...values].sort()]));
}

/**
 * A Twilio form as CEL sees it, built from the signed parameter set: a name with one distinct value
 * is a string, one with several is the sorted list of them. `a=1&a=1` and `a=1` are the same input,
 * as they are the same signed delivery.
 */
export function canonicalForm(form: string): Record<string, string | string[]> {
  // fromEntries defines own properties, so a parameter named __proto__ stays a plain field.
  return Object.fromEntries(
    [...parameterSet(form)].map(([name, values]) => [name, values.length === 1 ? values[0]! : values]),
  );
}

function searchParam(url: string, name: string): string | undefined {
  try {
    return new URL(url).searchParams.get(name) ?? undefined;
  } catch {
    return undefined;
  }
}

function sortedParams(form: string): string {
  const set = parameterSet(form);
  return [...set.keys()]
    .sort()
    .flatMap((name) => set.get(name)!.map((value) => name + value))
    .join('');
}

/** The URLs twilio's validateRequest tries: as received ± port, then normalized ± port ± legacy query. */
function candidateUrls(url: string): string[] {
  const urls = [removePort(url), addPort(url)];
  let normalized: string;
  try {
    normalized = new URL(url).toString();
  } catch {
    return urls;
  }
  const variants = [removePort(normalized), addPort(normalized)];
  return [...new Set([...urls, ...variants, ...variants.map(withLegacyQuery)])];
}

function splitUrl(url: string) {
  const match = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)/i.exec(url);
  if (!match) return undefined;
  const [prefix, scheme, authority] = match as unknown as [string, string, string];
  const userInfoEnd = authority.lastIndexOf('@');
  const hostAndPort = authority.slice(userInfoEnd + 1);
  // A colon starts the port only after the closing bracket of an IPv6 literal.
  const portStart = hostAndPort.indexOf(':', hostAndPort.lastIndexOf(']') + 1);
  return {
    scheme,
    userInfo: authority.slice(0, userInfoEnd + 1),
    host: portStart === -1 ? hostAndPort : hostAndPort.slice(0, portStart),
    port: portStart === -1 ? '' : hostAndPort.slice(portStart),
    rest: url.slice(prefix.length),
  };
}

function addPort(url: string): string {
  const p = splitUrl(url);
  if (!p || p.port) return url;
  return p.scheme + p.userInfo + p.host + (p.scheme.toLowerCase() === 'https://' ? ':443' : ':80') + p.rest;
}

function removePort(url: string): string {
  const p = splitUrl(url);
  return p ? p.scheme + p.userInfo + p.host + p.rest : url;
}

function withLegacyQuery(url: string): string {
  const q = url.indexOf('?');
  if (q === -1 || q === url.length - 1) return url;
  return `${url.slice(0, q)}?${stringifyQuery(parseQuery(url.slice(q + 1)))}`;
}
