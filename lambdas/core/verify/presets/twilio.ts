import { parse as parseQuery, stringify as stringifyQuery } from 'node:querystring';
import type { PresetVerifierConfig } from '../../config/verifier';
import { anyHmacMatches, decodeSignature, sha256Hex, stringsEqual } from '../crypto';
import {
  activeSecrets,
  fallbackDeliveryId,
  isRejection,
  optionalHeader,
  reject,
  requireHeader,
  verified,
} from '../common';
import type { Scheme } from '../types';

const SCHEME = 'twilio';

/**
 * Twilio: `X-Twilio-Signature: <base64 HMAC-SHA1(auth token, url + params)>`, params being the
 * form-encoded POST parameters sorted by name, each as name + value (a repeated name: its distinct
 * values sorted). A JSON body is not signed itself: the URL carries `bodySHA256=<hex SHA-256 of the
 * body>` and the signature covers the URL alone. The URL variants tried are those of the twilio
 * library's `validateRequest` (with and without the port, then normalized).
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

    if (!candidateUrls(url).some((u) => anyHmacMatches('sha1', secrets, u + params, [expected]))) {
      return reject(SCHEME, 'signature_mismatch', 'no active auth token matches X-Twilio-Signature');
    }
    if (bodyHash !== undefined && !stringsEqual(bodyHash, sha256Hex(body))) {
      return reject(SCHEME, 'signature_mismatch', 'the body does not match the signed bodySHA256');
    }
    const token = idempotencyToken?.trim() || undefined;
    return verified(SCHEME, {
      deliveryId: token ?? fallbackDeliveryId(url, body),
      deliveryIdSource: token === undefined ? 'fallback' : 'provider',
    });
  },
  sensitiveHeaders: () => ['x-twilio-signature'],
};

function searchParam(url: string, name: string): string | undefined {
  try {
    return new URL(url).searchParams.get(name) ?? undefined;
  } catch {
    return undefined;
  }
}

function sortedParams(form: string): string {
  const byName = new Map<string, Set<string>>();
  for (const [name, value] of new URLSearchParams(form)) {
    const values = byName.get(name) ?? new Set<string>();
    byName.set(name, values.add(value));
  }
  return [...byName.keys()]
    .sort()
    .flatMap((name) => [...byName.get(name)!].sort().map((value) => name + value))
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
