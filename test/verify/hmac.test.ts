import { createHash, createHmac } from 'node:crypto';
import { sign as octokitSign } from '@octokit/webhooks-methods';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import type { HmacAlgorithm, HmacVerifierConfig, SignatureEncoding } from '../../lambdas/core/config/verifier';
import { sensitiveHeaders } from '../../lambdas/core/verify';
import { SchemeConfigError } from '../../lambdas/core/verify/schemes/config-error';
import { validateHmacConfig } from '../../lambdas/core/verify/schemes/hmac';
import { prettyPrinted, tampered, verify } from '../helpers/verify';

const now = new Date('2026-03-01T12:00:00Z');
const nowSeconds = now.getTime() / 1000;
const secret = 'generic-hmac-secret';
const body = JSON.stringify({ type: 'order.created', data: { id: 42, total: '19.99' } });

/** An independent signer: node:crypto over the exact bytes the sender would sign. */
function signWith(algorithm: HmacAlgorithm, encoding: SignatureEncoding, key: string, data: string | Buffer): string {
  return createHmac(algorithm, key).update(data).digest(encoding);
}

const simple: HmacVerifierConfig = {
  type: 'hmac',
  header: 'X-Signature',
  algorithm: 'sha256',
  encoding: 'hex',
  signedContent: '{body}',
};

// Configured as a Standard Webhooks sender, with the key used as raw text (`format: 'raw'`).
const standard: HmacVerifierConfig = {
  type: 'hmac',
  header: 'webhook-signature',
  algorithm: 'sha256',
  encoding: 'base64',
  prefix: 'v1,',
  signedContent: '{id}.{timestamp}.{body}',
  timestampHeader: 'webhook-timestamp',
  idHeader: 'webhook-id',
};

function standardRequest(payload: string, options: { key?: string; timestamp?: number; id?: string } = {}) {
  const id = options.id ?? 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W';
  const timestamp = options.timestamp ?? nowSeconds;
  const signature = new Webhook(options.key ?? secret, { format: 'raw' }).sign(id, new Date(timestamp * 1000), payload);
  return {
    headers: { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signature },
    body: payload,
  };
}

describe('hmac scheme', () => {
  it('reproduces the RFC 2202 and RFC 4231 vectors with the independent signer', () => {
    const data = 'what do ya want for nothing?';
    expect(signWith('sha1', 'hex', 'Jefe', data)).toBe('effcdf6ae5eb2fa2d27416d5f184df9c259a7c79');
    expect(signWith('sha256', 'hex', 'Jefe', data)).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
    expect(signWith('sha512', 'hex', 'Jefe', data)).toBe(
      '164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737',
    );
  });

  it('accepts the RFC 4231 vector for every algorithm', async () => {
    const data = 'what do ya want for nothing?';
    const vectors: [HmacAlgorithm, string][] = [
      ['sha1', 'effcdf6ae5eb2fa2d27416d5f184df9c259a7c79'],
      ['sha256', '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843'],
      [
        'sha512',
        '164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737',
      ],
    ];
    for (const [algorithm, hex] of vectors) {
      const config = { ...simple, algorithm };
      const verdict = await verify(config, { headers: { 'x-signature': hex }, body: data }, 'Jefe', now);
      expect(verdict, algorithm).toMatchObject({ ok: true, scheme: 'hmac' });
    }
  });

  it("accepts GitHub's documented test vector when configured as GitHub", async () => {
    const github: HmacVerifierConfig = { ...simple, header: 'x-hub-signature-256', prefix: 'sha256=' };
    const headers = {
      'X-Hub-Signature-256': 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
    };
    const verdict = await verify(github, { headers, body: 'Hello, World!' }, "It's a Secret to Everybody", now);
    expect(verdict).toMatchObject({ ok: true, deliveryIdSource: 'fallback' });
    const signed = await octokitSign(secret, body);
    expect(await verify(github, { headers: { 'X-Hub-Signature-256': signed }, body }, secret, now)).toMatchObject({
      ok: true,
    });
  });

  it('accepts a Standard Webhooks request signed by the standardwebhooks library', async () => {
    const request = standardRequest(body);
    const verdict = await verify(standard, request, secret, now);
    expect(verdict).toEqual({
      ok: true,
      scheme: 'hmac',
      deliveryId: 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W',
      deliveryIdSource: 'provider',
      dedupKey: 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W',
      dedupKeySource: 'signed-id',
      timestamp: now,
    });
  });

  it('dedups on a hash of exactly the signed bytes when {id} is not signed, showing the idHeader as the label', async () => {
    const labelled: HmacVerifierConfig = {
      ...standard,
      signedContent: '{timestamp}.{body}',
      idHeader: 'webhook-id',
      idHeaderIsLabel: true,
    };
    const sign = (id: string, ts = nowSeconds, payload = body) => ({
      headers: {
        'webhook-id': id,
        'webhook-timestamp': String(ts),
        'webhook-signature': `v1,${signWith('sha256', 'base64', secret, `${ts}.${payload}`)}`,
      },
      body: payload,
    });
    const first = await verify(labelled, sign('msg_1'), secret, now);
    expect(first).toMatchObject({
      ok: true,
      deliveryId: 'msg_1',
      deliveryIdSource: 'provider',
      dedupKey: createHash('sha256').update(`${nowSeconds}.${body}`).digest('hex'),
      dedupKeySource: 'signed-hash',
    });
    // Another label on the same signed bytes: the same key. Another signed timestamp: another key.
    expect(await verify(labelled, sign('msg_future'), secret, now)).toMatchObject({
      deliveryId: 'msg_future',
      dedupKey: first.ok && first.dedupKey,
    });
    const later = await verify(labelled, sign('msg_1', nowSeconds + 1), secret, now);
    expect(later.ok && first.ok && later.dedupKey !== first.dedupKey).toBe(true);
    // Without the label header: the key is the label too.
    const { 'webhook-id': _id, ...unlabelled } = sign('x').headers;
    expect(await verify(labelled, { headers: unlabelled, body }, secret, now)).toMatchObject({
      deliveryIdSource: 'fallback',
      deliveryId: first.ok && first.dedupKey,
    });
  });

  it('changes the key with the signed {id}: a replay cannot pick another id', async () => {
    const a = await verify(standard, standardRequest(body, { id: 'msg_a' }), secret, now);
    const b = await verify(standard, standardRequest(body, { id: 'msg_b' }), secret, now);
    expect([a.ok && a.dedupKey, b.ok && b.dedupKey]).toEqual(['msg_a', 'msg_b']);
    const swapped = { ...standardRequest(body, { id: 'msg_a' }) };
    swapped.headers = { ...swapped.headers, 'webhook-id': 'msg_b' };
    expect(await verify(standard, swapped, secret, now)).toMatchObject({ ok: false, reason: 'signature_mismatch' });
  });

  it('accepts several space-separated signatures, ignoring other versions, as Standard Webhooks sends them', async () => {
    const request = standardRequest(body);
    const old = standardRequest(body, { key: 'previous-secret' }).headers['webhook-signature'];
    const signature = `v1a,${'A'.repeat(86)}== ${old} ${request.headers['webhook-signature']}`;
    const headers = { ...request.headers, 'webhook-signature': signature };
    // The library itself accepts this header (checked at the real time, which it always uses).
    const live = standardRequest(body, { timestamp: Math.floor(Date.now() / 1000) });
    const liveOld = standardRequest(body, {
      key: 'previous-secret',
      timestamp: Number(live.headers['webhook-timestamp']),
    });
    const liveHeaders = {
      ...live.headers,
      'webhook-signature': `${liveOld.headers['webhook-signature']} ${live.headers['webhook-signature']}`,
    };
    expect(() => new Webhook(secret, { format: 'raw' }).verify(body, liveHeaders)).not.toThrow();
    expect(await verify(standard, { headers, body }, secret, now)).toMatchObject({ ok: true });
  });

  it('accepts comma-separated signatures when the prefix has no comma, the matching one in any position', async () => {
    const github: HmacVerifierConfig = { ...simple, prefix: 'sha256=' };
    const good = `sha256=${signWith('sha256', 'hex', secret, body)}`;
    const other = `sha256=${signWith('sha256', 'hex', 'previous-secret', body)}`;
    for (const header of [`${other}, ${good}`, `${good},${other}`, `${other} ${good} ${other}`]) {
      expect(await verify(github, { headers: { 'x-signature': header }, body }, secret, now), header).toMatchObject({
        ok: true,
      });
    }
    expect(await verify(github, { headers: { 'x-signature': `${other},${other}` }, body }, secret, now)).toMatchObject({
      ok: false,
      reason: 'signature_mismatch',
    });
  });

  it('accepts a prefix that contains a space, as in Authorization: HMAC <base64>', async () => {
    const config: HmacVerifierConfig = { ...simple, header: 'Authorization', encoding: 'base64', prefix: 'HMAC ' };
    const header = `HMAC ${signWith('sha256', 'base64', secret, body)}`;
    expect(await verify(config, { headers: { Authorization: header }, body }, secret, now)).toMatchObject({
      ok: true,
    });
  });

  it('accepts every algorithm and encoding from the independent signer', async () => {
    for (const algorithm of ['sha1', 'sha256', 'sha512'] as const) {
      for (const encoding of ['hex', 'base64', 'base64url'] as const) {
        const config = { ...simple, algorithm, encoding };
        const headers = { 'X-Signature': signWith(algorithm, encoding, secret, body) };
        expect(await verify(config, { headers, body }, secret, now), `${algorithm}/${encoding}`).toMatchObject({
          ok: true,
        });
      }
    }
  });

  it('signs {method}, {url} and a millisecond {timestamp}, as HubSpot v3 does', async () => {
    const config: HmacVerifierConfig = {
      ...simple,
      header: 'X-HubSpot-Signature-v3',
      encoding: 'base64',
      signedContent: '{method}{url}{body}{timestamp}',
      timestampHeader: 'X-HubSpot-Request-Timestamp',
    };
    const url = 'https://hooks.example.com/webhooks/hubspot?portal=1';
    const ms = String(now.getTime() - 1_000);
    const headers = {
      'X-HubSpot-Signature-v3': signWith('sha256', 'base64', secret, `POST${url}${body}${ms}`),
      'X-HubSpot-Request-Timestamp': ms,
    };
    expect(await verify(config, { url, headers, body }, secret, now)).toMatchObject({
      ok: true,
      timestamp: new Date(Number(ms)),
    });
    const otherUrl = 'https://hooks.example.com/webhooks/hubspot?portal=2';
    expect(await verify(config, { url: otherUrl, headers, body }, secret, now)).toMatchObject({
      ok: false,
      reason: 'signature_mismatch',
    });
    const stale = String(now.getTime() - 301_000);
    const staleHeaders = {
      'X-HubSpot-Signature-v3': signWith('sha256', 'base64', secret, `POST${url}${body}${stale}`),
      'X-HubSpot-Request-Timestamp': stale,
    };
    expect(await verify(config, { url, headers: staleHeaders, body }, secret, now)).toMatchObject({
      ok: false,
      reason: 'timestamp_too_old',
    });
  });

  it('signs the raw bytes, including ones that are not valid UTF-8', async () => {
    const raw = Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]);
    const headers = { 'X-Signature': signWith('sha256', 'hex', secret, raw) };
    expect(await verify(simple, { headers, body: raw }, secret, now)).toMatchObject({ ok: true });
  });

  it('accepts timestamps inside the tolerance in both directions, and a custom tolerance', async () => {
    for (const skew of [-299, 299]) {
      expect(
        await verify(standard, standardRequest(body, { timestamp: nowSeconds + skew }), secret, now),
      ).toMatchObject({
        ok: true,
      });
    }
    const strict = { ...standard, toleranceSeconds: 60 };
    expect(await verify(strict, standardRequest(body, { timestamp: nowSeconds - 61 }), secret, now)).toMatchObject({
      ok: false,
      reason: 'timestamp_too_old',
    });
  });

  it('accepts any active secret while rotating, and not an expired one', async () => {
    const request = standardRequest(body, { key: 'old-secret' });
    const rotating = { values: [{ value: secret }, { value: 'old-secret', expiresAt: '2026-03-02T00:00:00Z' }] };
    expect(await verify(standard, request, { default: rotating }, now)).toMatchObject({ ok: true });
    const expired = { values: [{ value: secret }, { value: 'old-secret', expiresAt: '2026-03-01T11:59:59Z' }] };
    expect(await verify(standard, request, { default: expired }, now)).toMatchObject({
      ok: false,
      reason: 'signature_mismatch',
    });
  });

  it('falls back to a hash of the signed timestamp and body for the delivery id, never the signature', async () => {
    const signature = signWith('sha256', 'hex', secret, body);
    const verdict = await verify(simple, { headers: { 'X-Signature': signature }, body }, secret, now);
    const expected = createHash('sha256').update(body).digest('hex');
    expect(verdict).toMatchObject({
      ok: true,
      deliveryId: expected,
      deliveryIdSource: 'fallback',
      dedupKey: expected,
      dedupKeySource: 'signed-hash',
    });
    // The same bytes with the signature spelled in upper case: still the same delivery.
    const upper = await verify(simple, { headers: { 'X-Signature': signature.toUpperCase() }, body }, secret, now);
    expect(upper).toMatchObject({ ok: true, deliveryId: expected });
  });

  it('fails if one byte of the body changed', async () => {
    const request = standardRequest(body);
    expect(await verify(standard, { ...request, body: tampered(body) }, secret, now)).toMatchObject({
      ok: false,
      reason: 'signature_mismatch',
    });
  });

  it('fails if the JSON is pretty-printed with the original signature', async () => {
    const request = standardRequest(body);
    expect(await verify(standard, { ...request, body: prettyPrinted(body) }, secret, now)).toMatchObject({
      ok: false,
      reason: 'signature_mismatch',
    });
  });

  it('fails with the wrong secret', async () => {
    expect(await verify(standard, standardRequest(body), 'another-secret', now)).toMatchObject({
      ok: false,
      reason: 'signature_mismatch',
    });
  });

  it('fails if the signed id or timestamp is replaced', async () => {
    const request = standardRequest(body);
    const newId = { ...request.headers, 'webhook-id': 'msg_replayed' };
    expect(await verify(standard, { headers: newId, body }, secret, now)).toMatchObject({
      ok: false,
      reason: 'signature_mismatch',
    });
    const stale = standardRequest(body, { timestamp: nowSeconds - 3600 });
    const refreshed = { ...stale.headers, 'webhook-timestamp': String(nowSeconds) };
    expect(await verify(standard, { headers: refreshed, body }, secret, now)).toMatchObject({
      ok: false,
      reason: 'signature_mismatch',
    });
  });

  it('fails if the timestamp is stale or in the future', async () => {
    expect(await verify(standard, standardRequest(body, { timestamp: nowSeconds - 301 }), secret, now)).toMatchObject({
      ok: false,
      reason: 'timestamp_too_old',
    });
    expect(await verify(standard, standardRequest(body, { timestamp: nowSeconds + 301 }), secret, now)).toMatchObject({
      ok: false,
      reason: 'timestamp_in_future',
    });
  });

  it('fails if the signature, timestamp or id header is missing', async () => {
    for (const name of ['webhook-signature', 'webhook-timestamp', 'webhook-id']) {
      const { headers } = standardRequest(body);
      const without: Record<string, string> = { ...headers };
      delete without[name];
      expect(await verify(standard, { headers: without, body }, secret, now), name).toMatchObject({
        ok: false,
        reason: 'missing_header',
      });
    }
  });

  it('fails on a malformed signature header', async () => {
    const hex = signWith('sha256', 'hex', secret, body);
    const github: HmacVerifierConfig = { ...simple, prefix: 'sha256=' };
    for (const bad of [hex, 'sha1=' + hex, 'sha256=', 'sha256=' + hex.slice(2), 'sha256=zz' + hex.slice(2)]) {
      expect(await verify(github, { headers: { 'X-Signature': bad }, body }, secret, now), bad).toMatchObject({
        ok: false,
        reason: 'malformed_header',
      });
    }
    const b64 = { ...simple, encoding: 'base64' as const };
    const unpadded = signWith('sha256', 'base64', secret, body).replace(/=+$/, '');
    const urlSafe = signWith('sha256', 'base64url', secret, body);
    for (const bad of [unpadded, `${unpadded}==`, hex]) {
      expect(await verify(b64, { headers: { 'X-Signature': bad }, body }, secret, now), bad).toMatchObject({
        ok: false,
        reason: 'malformed_header',
      });
    }
    if (/[-_]/.test(urlSafe)) {
      expect(await verify(b64, { headers: { 'X-Signature': urlSafe }, body }, secret, now)).toMatchObject({
        reason: 'malformed_header',
      });
    }
    const many = Array.from({ length: 11 }, () => hex).join(' ');
    expect(await verify(simple, { headers: { 'X-Signature': many }, body }, secret, now)).toMatchObject({
      reason: 'malformed_header',
    });
  });

  it('fails on a malformed timestamp', async () => {
    const { headers } = standardRequest(body);
    for (const bad of ['abc', '-1700000000', '1700000000.5', '17e8']) {
      const withBad = { ...headers, 'webhook-timestamp': bad };
      expect(await verify(standard, { headers: withBad, body }, secret, now), bad).toMatchObject({
        ok: false,
        reason: 'malformed_header',
      });
    }
  });

  it('fails if a microsecond timestamp is replayed long after it was signed', async () => {
    const config: HmacVerifierConfig = { ...simple, signedContent: '{timestamp}.{body}', timestampHeader: 'X-Ts' };
    const aYearAgo = String((now.getTime() - 365 * 86_400_000) * 1000); // 16 digits: out of range as seconds
    const headers = { 'X-Signature': signWith('sha256', 'hex', secret, `${aYearAgo}.${body}`), 'X-Ts': aYearAgo };
    expect(await verify(config, { headers, body }, secret, now)).toMatchObject({ ok: false });
  });

  it('fails on a signature header sent twice with different values', async () => {
    const good = signWith('sha256', 'hex', secret, body);
    const headers = { 'X-Signature': [good, '0'.repeat(64)] };
    expect(await verify(simple, { headers, body }, secret, now)).toMatchObject({
      ok: false,
      reason: 'ambiguous_header',
    });
  });

  it('fails closed when no secret is set', async () => {
    expect(await verify(standard, standardRequest(body), { default: { values: [] } }, now)).toMatchObject({
      ok: false,
      reason: 'secret_not_set',
    });
  });

  it('fails if the config is misused, with messages the constructs can show', async () => {
    const missingHeader = { ...standard, idHeader: undefined };
    expect(validateHmacConfig(missingHeader)).toEqual([
      'signedContent "{id}.{timestamp}.{body}" uses {id}: set idHeader to the header that carries it',
    ]);
    await expect(verify(missingHeader, standardRequest(body), secret, now)).rejects.toThrow(SchemeConfigError);

    expect(validateHmacConfig(standard)).toEqual([]);
    expect(validateHmacConfig({ ...simple, signedContent: '{timestamp}.{payload}', toleranceSeconds: 0 })).toEqual([
      'signedContent "{timestamp}.{payload}" uses unknown placeholder {payload}; use {body}, {timestamp}, {id}, {url}, {method}',
      'signedContent "{timestamp}.{payload}" must include {body}, or the body is not authenticated',
      'signedContent "{timestamp}.{payload}" uses {timestamp}: set timestampHeader to the header that carries it',
      'tolerance 0 s must be a positive number of seconds',
    ]);
    expect(validateHmacConfig({ ...simple, timestampHeader: 'x-ts' })).toEqual([
      'timestampHeader "x-ts" is set but signedContent "{body}" does not include {timestamp}: an unsigned timestamp does not stop replays',
    ]);
    expect(validateHmacConfig({ ...simple, idHeader: 'x-delivery' })).toEqual([
      'idHeader "x-delivery" is not signed (signedContent "{body}" has no {id}): a replayed body with another id would pass as new, or make a real delivery a duplicate; add {id} to signedContent if the sender signs it, or set idHeaderIsLabel: true to show it as the delivery\'s label only',
    ]);
    expect(validateHmacConfig({ ...simple, idHeader: 'x-delivery', idHeaderIsLabel: true })).toEqual([]);
    expect(validateHmacConfig({ ...standard, idHeaderIsLabel: true })).toEqual([
      'idHeaderIsLabel is set but signedContent "{id}.{timestamp}.{body}" signs {id}: remove idHeaderIsLabel',
    ]);
    expect(validateHmacConfig({ ...simple, idHeaderIsLabel: true })).toEqual([
      'idHeaderIsLabel is set but idHeader is not: name the header that carries the label',
    ]);
    await expect(
      verify({ ...simple, idHeader: 'x-delivery' }, { headers: { 'x-signature': 'ab' }, body }, secret, now),
    ).rejects.toThrow(SchemeConfigError);
    expect(validateHmacConfig({ ...simple, header: 'bad header', toleranceSeconds: 60 })).toEqual([
      'header "bad header" is not a valid HTTP header name',
      'tolerance is set but timestampHeader is not: there is no timestamp to bound',
    ]);
  });

  it('redacts the signature header', () => {
    expect(sensitiveHeaders(simple)).toContain('x-signature');
  });
});
