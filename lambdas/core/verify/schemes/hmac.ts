import type { HmacVerifierConfig } from '../../config/verifier';
import {
  activeSecrets,
  checkTimestamp,
  hashedKey,
  isRejection,
  optionalHeader,
  parseUnixTimestamp,
  reject,
  requireHeader,
  signedId,
  verified,
} from '../common';
import { anyHmacMatches, decodeSignature, digestLength, sha256Hex } from '../crypto';
import type { Scheme, VerifyContext } from '../types';
import { assertValid, headerNameProblem } from './config-error';
import { DEFAULT_TOLERANCES } from '../replay-window';

const SCHEME = 'hmac';
const DEFAULT_TOLERANCE_SECONDS = DEFAULT_TOLERANCES.hmac!;
const MAX_SIGNATURES = 10;
// A number ≥ 10^11 as seconds would be after the year 5138; as milliseconds it is after 1973: read it as ms.
const MILLISECONDS_FROM = 1e14;
const ALGORITHMS = ['sha1', 'sha256', 'sha512'];
const ENCODINGS = ['hex', 'base64', 'base64url'];
const PLACEHOLDERS = ['body', 'timestamp', 'id', 'url', 'method'] as const;
type Placeholder = (typeof PLACEHOLDERS)[number];
const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** The template split into literal text and placeholders. */
type Part = { readonly text: string } | { readonly field: Placeholder };

function parseTemplate(template: string): { parts: Part[]; unknown: string[] } {
  const parts: Part[] = [];
  const unknown: string[] = [];
  let last = 0;
  for (const m of template.matchAll(PLACEHOLDER)) {
    const name = m[1]!;
    if (!(PLACEHOLDERS as readonly string[]).includes(name)) {
      unknown.push(m[0]);
      continue;
    }
    if (m.index > last) parts.push({ text: template.slice(last, m.index) });
    parts.push({ field: name as Placeholder });
    last = m.index + m[0].length;
  }
  if (last < template.length) parts.push({ text: template.slice(last) });
  return { parts, unknown };
}

/** Human-readable problems with an hmac config (empty when it is usable); the constructs report them at synth. */
export function validateHmacConfig(config: HmacVerifierConfig): string[] {
  const problems: string[] = [];
  const check = (problem: string | undefined) => problem !== undefined && problems.push(problem);
  check(headerNameProblem('header', config.header));
  if (config.timestampHeader !== undefined) check(headerNameProblem('timestampHeader', config.timestampHeader));
  if (config.idHeader !== undefined) check(headerNameProblem('idHeader', config.idHeader));
  if (!ALGORITHMS.includes(config.algorithm)) {
    problems.push(`algorithm ${JSON.stringify(config.algorithm)} is not one of ${ALGORITHMS.join(', ')}`);
  }
  if (!ENCODINGS.includes(config.encoding)) {
    problems.push(`encoding ${JSON.stringify(config.encoding)} is not one of ${ENCODINGS.join(', ')}`);
  }
  if (typeof config.signedContent !== 'string') return [...problems, 'signedContent must be a string'];

  const { parts, unknown } = parseTemplate(config.signedContent);
  const uses = (field: Placeholder) => parts.some((p) => 'field' in p && p.field === field);
  const template = JSON.stringify(config.signedContent);
  for (const u of unknown) {
    problems.push(`signedContent ${template} uses unknown placeholder ${u}; use {${PLACEHOLDERS.join('}, {')}}`);
  }
  if (!uses('body')) problems.push(`signedContent ${template} must include {body}, or the body is not authenticated`);
  if (uses('timestamp') && config.timestampHeader === undefined) {
    problems.push(`signedContent ${template} uses {timestamp}: set timestampHeader to the header that carries it`);
  }
  if (uses('id') && config.idHeader === undefined) {
    problems.push(`signedContent ${template} uses {id}: set idHeader to the header that carries it`);
  }
  if (config.idHeader !== undefined && !uses('id') && config.idHeaderIsLabel !== true) {
    problems.push(
      `idHeader "${config.idHeader}" is not signed (signedContent ${template} has no {id}): a replayed body with another id would pass as new, or make a real delivery a duplicate; add {id} to signedContent if the sender signs it, or set idHeaderIsLabel: true to show it as the delivery's label only`,
    );
  }
  if (config.idHeaderIsLabel === true && uses('id')) {
    problems.push(`idHeaderIsLabel is set but signedContent ${template} signs {id}: remove idHeaderIsLabel`);
  }
  if (config.idHeaderIsLabel === true && config.idHeader === undefined) {
    problems.push('idHeaderIsLabel is set but idHeader is not: name the header that carries the label');
  }
  if (config.timestampHeader !== undefined && !uses('timestamp')) {
    problems.push(
      `timestampHeader "${config.timestampHeader}" is set but signedContent ${template} does not include {timestamp}: an unsigned timestamp does not stop replays`,
    );
  }
  if (config.toleranceSeconds !== undefined) {
    if (!Number.isFinite(config.toleranceSeconds) || config.toleranceSeconds <= 0) {
      problems.push(`tolerance ${config.toleranceSeconds} s must be a positive number of seconds`);
    } else if (config.timestampHeader === undefined) {
      problems.push('tolerance is set but timestampHeader is not: there is no timestamp to bound');
    }
  }
  return problems;
}

const compiled = new WeakMap<HmacVerifierConfig, readonly Part[]>();

function compile(config: HmacVerifierConfig): readonly Part[] {
  let parts = compiled.get(config);
  if (!parts) {
    assertValid(SCHEME, validateHmacConfig(config));
    parts = parseTemplate(config.signedContent).parts;
    compiled.set(config, parts);
  }
  return parts;
}

/**
 * The signatures in the header. Several may be sent (Standard Webhooks separates them by spaces,
 * Stripe by commas) so that the sender can rotate; whitespace and commas separate them unless the
 * prefix itself contains one (`v1,`, `HMAC `). Items without the prefix are ignored, as other
 * versions are; items with it must decode to a digest of the right length.
 */
function parseSignatures(config: HmacVerifierConfig, value: string): Buffer[] | string {
  const prefix = config.prefix ?? '';
  const separators = `${/\s/.test(prefix) ? '' : '\\s'}${prefix.includes(',') ? '' : ','}`;
  const items = (separators === '' ? [value] : value.split(new RegExp(`[${separators}]+`)))
    .map((item) => item.trim())
    .filter((item) => item !== '' && item.startsWith(prefix));
  if (items.length === 0) return `no signature starting with "${prefix}"`;
  if (items.length > MAX_SIGNATURES) return `${items.length} signatures, at most ${MAX_SIGNATURES} are accepted`;
  const signatures: Buffer[] = [];
  for (const item of items) {
    const bytes = decodeSignature(item.slice(prefix.length), config.encoding);
    if (bytes?.length !== digestLength(config.algorithm)) {
      return `a signature is not ${digestLength(config.algorithm)} bytes of ${config.encoding}`;
    }
    signatures.push(bytes);
  }
  return signatures;
}

/** Unix seconds, or milliseconds when the number can only be milliseconds. */
function parseTimestamp(text: string): Date | undefined {
  const seconds = parseUnixTimestamp(text);
  return seconds !== undefined && seconds.getTime() < MILLISECONDS_FROM ? seconds : parseUnixTimestamp(text, 'ms');
}

/** The signed bytes: literal text and header values as UTF-8, the body exactly as received. */
function render(parts: readonly Part[], ctx: VerifyContext, values: { timestamp?: string; id?: string }): Buffer {
  const { request } = ctx;
  const chunks = parts.map((part) => {
    if ('text' in part) return Buffer.from(part.text, 'utf8');
    switch (part.field) {
      case 'body':
        return request.body;
      case 'url':
        return Buffer.from(request.url, 'utf8');
      case 'method':
        return Buffer.from(request.method, 'utf8');
      default:
        return Buffer.from(values[part.field]!, 'utf8');
    }
  });
  return Buffer.concat(chunks);
}

/**
 * Generic HMAC: `<header>: <prefix><signature>` over the `signedContent` template, with an optional
 * signed timestamp bounded both ways and an optional delivery-id header. Any active secret may
 * match, and any of the signatures sent. A signed `{id}` is the dedup key; otherwise the key is a
 * SHA-256 of the signed bytes, and an unsigned idHeader is the label only.
 */
export const hmac: Scheme<HmacVerifierConfig> = {
  verify(config, ctx) {
    const parts = compile(config);
    const header = requireHeader(ctx, SCHEME, config.header);
    if (isRejection(header)) return header;
    const signatures = parseSignatures(config, header.trim());
    if (typeof signatures === 'string') return reject(SCHEME, 'malformed_header', `${config.header}: ${signatures}`);

    const values: { timestamp?: string; id?: string } = {};
    let timestamp: Date | undefined;
    if (config.timestampHeader !== undefined) {
      const text = requireHeader(ctx, SCHEME, config.timestampHeader);
      if (isRejection(text)) return text;
      values.timestamp = text.trim();
      timestamp = parseTimestamp(values.timestamp);
      if (!timestamp) return reject(SCHEME, 'malformed_header', `${config.timestampHeader} is not a Unix timestamp`);
    }
    const signsId = parts.some((p) => 'field' in p && p.field === 'id');
    let label: string | undefined;
    if (config.idHeader !== undefined && signsId) {
      const id = requireHeader(ctx, SCHEME, config.idHeader);
      if (isRejection(id)) return id;
      values.id = id.trim();
    } else if (config.idHeader !== undefined) {
      const shown = optionalHeader(ctx, SCHEME, config.idHeader);
      if (isRejection(shown)) return shown;
      label = shown;
    }
    const secrets = activeSecrets(ctx, SCHEME, config.secret);
    if (isRejection(secrets)) return secrets;

    const signed = render(parts, ctx, values);
    if (!anyHmacMatches(config.algorithm, secrets, signed, signatures)) {
      return reject(SCHEME, 'signature_mismatch', `no active secret matches ${config.header}`);
    }
    // Checked after the signature, so that a timestamp rejection in the log means a genuine but stale request.
    if (timestamp) {
      const stale = checkTimestamp(SCHEME, timestamp, ctx.now, config.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS);
      if (stale) return stale;
    }
    return verified(SCHEME, {
      ...(values.id !== undefined ? signedId(values.id) : hashedKey(sha256Hex(signed), 'signed-hash', label)),
      ...(timestamp ? { timestamp } : {}),
    });
  },
  sensitiveHeaders: (config) => [config.header.toLowerCase()],
};
