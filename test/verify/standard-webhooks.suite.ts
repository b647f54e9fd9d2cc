import { expect, it } from 'vitest';
import type { VerifierConfig } from '../../lambdas/core/config/verifier';
import { prettyPrinted, tampered, verify } from '../helpers/verify';

/** What the Standard Webhooks and Svix tests share: the scheme, its header prefix, the library signer. */
export interface StandardWebhooksCase {
  readonly config: VerifierConfig;
  readonly prefix: string;
  /** Signs with the provider's own library: returns `v1,<base64>`. */
  readonly sign: (secret: string, id: string, timestamp: Date, body: string) => string;
  /** Verifies with the provider's own library (against the real clock); throws when it refuses. */
  readonly libraryVerify: (secret: string, body: string, headers: Record<string, string>) => unknown;
}

export const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
export const now = new Date('2026-03-01T12:00:00Z');
export const body = JSON.stringify({
  type: 'invoice.paid',
  timestamp: now.toISOString(),
  data: { id: 'in_1', memo: 'Grüße ✓' },
});
const id = 'msg_p5jXN8AQM9LWM0D4loKWxJek';

export function standardWebhooksTests(c: StandardWebhooksCase): void {
  const headers = (options: { key?: string; at?: Date; payload?: string; signature?: string } = {}) => {
    const at = options.at ?? now;
    return {
      [`${c.prefix}id`]: id,
      [`${c.prefix}timestamp`]: String(at.getTime() / 1000),
      [`${c.prefix}signature`]: options.signature ?? c.sign(options.key ?? secret, id, at, options.payload ?? body),
      'content-type': 'application/json',
    };
  };
  const fails = async (
    init: { headers: Record<string, string>; body?: string },
    reason: string,
    key: unknown = secret,
  ) => expect(await verify(c.config, { body, ...init }, { default: key }, now)).toMatchObject({ ok: false, reason });

  it('accepts a request signed by the provider library, which accepts it too', async () => {
    const live = new Date(Math.floor(Date.now() / 1000) * 1000);
    const h = headers({ at: live });
    expect(() => c.libraryVerify(secret, body, h)).not.toThrow();
    expect(await verify(c.config, { headers: h, body }, secret, live)).toEqual({
      ok: true,
      scheme: c.config.type,
      deliveryId: id,
      deliveryIdSource: 'provider',
      dedupKey: id,
      dedupKeySource: 'signed-id',
      eventType: 'invoice.paid',
      timestamp: live,
    });
  });

  it('accepts any v1 in the list and ignores other versions', async () => {
    const good = c.sign(secret, id, now, body);
    const wrong = c.sign('whsec_' + Buffer.from('previous key').toString('base64'), id, now, body);
    const signature = `v1a,${Buffer.alloc(64).toString('base64')} ${wrong} ${good}`;
    expect(await verify(c.config, { headers: headers({ signature }), body }, secret, now)).toMatchObject({ ok: true });
  });

  it('accepts a secret given without the whsec_ prefix', async () => {
    const bare = secret.slice('whsec_'.length);
    expect(await verify(c.config, { headers: headers(), body }, bare, now)).toMatchObject({ ok: true });
  });

  it('accepts any active secret while rotating, and not an expired one', async () => {
    const old = 'whsec_' + Buffer.from('the old key').toString('base64');
    const h = headers({ key: old });
    const rotating = { values: [{ value: secret }, { value: old, expiresAt: '2026-03-02T00:00:00Z' }] };
    expect(await verify(c.config, { headers: h, body }, { default: rotating }, now)).toMatchObject({ ok: true });
    await fails({ headers: h }, 'signature_mismatch', {
      values: [{ value: secret }, { value: old, expiresAt: '2026-03-01T00:00:00Z' }],
    });
  });

  it('fails if one byte of the body changed', () =>
    fails({ headers: headers(), body: tampered(body) }, 'signature_mismatch'));

  it('fails if the JSON is pretty-printed with the original signature', () =>
    fails({ headers: headers(), body: prettyPrinted(body) }, 'signature_mismatch'));

  it('fails with the wrong secret', () =>
    fails({ headers: headers({ key: 'whsec_' + Buffer.from('another').toString('base64') }) }, 'signature_mismatch'));

  it('fails if the id or timestamp differs from the signed one', async () => {
    await fails({ headers: { ...headers(), [`${c.prefix}id`]: 'msg_other' } }, 'signature_mismatch');
    await fails(
      { headers: { ...headers(), [`${c.prefix}timestamp`]: String(now.getTime() / 1000 - 1) } },
      'signature_mismatch',
    );
  });

  it('fails if the id, timestamp or signature header is missing', async () => {
    for (const name of ['id', 'timestamp', 'signature']) {
      const h: Record<string, string> = headers();
      delete h[`${c.prefix}${name}`];
      await fails({ headers: h }, 'missing_header');
    }
  });

  it('fails on a malformed timestamp or signature header', async () => {
    await fails({ headers: { ...headers(), [`${c.prefix}timestamp`]: '2026-03-01T12:00:00Z' } }, 'malformed_header');
    const v1 = c.sign(secret, id, now, body);
    for (const signature of [
      v1.replace('v1,', 'v2,'),
      v1.replace('v1,', 'v1='),
      'v1,not*base64',
      'v1,' + 'A'.repeat(24),
    ]) {
      await fails({ headers: headers({ signature }) }, 'malformed_header');
    }
  });

  it('fails if the timestamp is older than 300 s', async () => {
    const old = new Date(now.getTime() - 301_000);
    await fails({ headers: headers({ at: old }) }, 'timestamp_too_old');
    const edge = headers({ at: new Date(now.getTime() - 300_000) });
    expect(await verify(c.config, { headers: edge, body }, secret, now)).toMatchObject({ ok: true });
  });

  it('fails if the timestamp is more than 300 s in the future', () =>
    fails({ headers: headers({ at: new Date(now.getTime() + 301_000) }) }, 'timestamp_in_future'));

  it('fails if the secret is not whsec_<base64>', async () => {
    for (const bad of ['whsec_not base64!', 'whsec_', 'whsec_abc'])
      await fails({ headers: headers() }, 'invalid_secret', bad);
  });

  it('fails closed when no secret is set', async () => {
    for (const empty of ['', { values: [] }]) await fails({ headers: headers() }, 'secret_not_set', empty);
  });
}
