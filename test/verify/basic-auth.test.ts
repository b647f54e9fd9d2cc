import { createHash } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { BasicAuthVerifierConfig } from '../../lambdas/core/config/verifier';
import { sensitiveHeaders } from '../../lambdas/core/verify';
import { SchemeConfigError } from '../../lambdas/core/verify/schemes/config-error';
import { matchesAnySecret, secretEquals } from '../../lambdas/core/verify/schemes/secret-compare';
import { tampered, verify } from '../helpers/verify';

const config: BasicAuthVerifierConfig = { type: 'basicAuth', username: 'hook-sender' };
const password = 'p@ss:wörd/42';
const body = '{"event":"invoice.paid","id":7}';

/** The headers a real HTTP client sends for `auth: user:password` (node:http builds Authorization itself). */
async function sentBy(auth: string): Promise<IncomingHttpHeaders> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.end());
  });
  const received = new Promise<IncomingHttpHeaders>((resolve) => server.once('request', (req) => resolve(req.headers)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    await new Promise<void>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/webhooks/billing', auth }, (res) => {
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', reject);
      req.end(body);
    });
    return await received;
  } finally {
    server.close();
  }
}

const basic = (credentials: string) => `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`;

describe('basicAuth scheme', () => {
  it('accepts credentials sent by node:http, including a colon and non-ASCII in the password', async () => {
    const headers = await sentBy(`hook-sender:${password}`);
    expect(headers.authorization).toBe(basic(`hook-sender:${password}`));
    const verdict = await verify(config, { headers: { Authorization: headers.authorization! }, body }, password);
    expect(verdict).toEqual({
      ok: true,
      scheme: 'basicAuth',
      deliveryId: createHash('sha256').update(`\n${body}`).digest('hex'),
      deliveryIdSource: 'fallback',
      dedupKey: createHash('sha256').update(`\n${body}`).digest('hex'),
      dedupKeySource: 'body-hash',
    });
  });

  it('accepts the scheme name in any case', async () => {
    const headers = { authorization: basic(`hook-sender:${password}`).replace('Basic', 'bAsIc') };
    expect(await verify(config, { headers, body }, password)).toMatchObject({ ok: true });
  });

  it('accepts any active password while rotating, and not an expired one', async () => {
    const headers = { Authorization: basic('hook-sender:old-password') };
    const rotating = { values: [{ value: password }, { value: 'old-password', expiresAt: '2999-01-01T00:00:00Z' }] };
    expect(await verify(config, { headers, body }, { default: rotating })).toMatchObject({ ok: true });
    const expired = { values: [{ value: password }, { value: 'old-password', expiresAt: '2000-01-01T00:00:00Z' }] };
    expect(await verify(config, { headers, body }, { default: expired })).toMatchObject({
      ok: false,
      reason: 'credentials_mismatch',
    });
  });

  it('does not authenticate the body: a changed body gets a different fallback delivery id', async () => {
    const headers = { Authorization: basic(`hook-sender:${password}`) };
    const original = await verify(config, { headers, body }, password);
    const changed = await verify(config, { headers, body: tampered(body) }, password);
    expect(changed).toMatchObject({ ok: true });
    expect(changed.ok && original.ok && changed.deliveryId !== original.deliveryId).toBe(true);
  });

  it('fails with the wrong password, the wrong username, or a username in another case', async () => {
    for (const credentials of [
      'hook-sender:wrong',
      `other:${password}`,
      `Hook-Sender:${password}`,
      `hook-sender:${password} `,
      `hook-sender:${password.slice(0, -1)}`,
    ]) {
      const headers = { Authorization: basic(credentials) };
      expect(await verify(config, { headers, body }, password), credentials).toMatchObject({
        ok: false,
        reason: 'credentials_mismatch',
      });
    }
  });

  it('fails if the password bytes are not UTF-8 but decode to the same text', async () => {
    const stored = 'pass\uFFFD';
    const raw = Buffer.concat([Buffer.from('hook-sender:pass'), Buffer.from([0xff])]);
    const headers = { Authorization: `Basic ${raw.toString('base64')}` };
    expect(await verify(config, { headers, body }, stored)).toMatchObject({
      ok: false,
      reason: 'credentials_mismatch',
    });
  });

  it('fails if the Authorization header is missing or empty', async () => {
    for (const headers of [{}, { Authorization: ' ' }] as Record<string, string>[]) {
      expect(await verify(config, { headers, body }, password)).toMatchObject({
        ok: false,
        reason: 'missing_credentials',
      });
    }
  });

  it('fails on a malformed Authorization header', async () => {
    const valid = Buffer.from(`hook-sender:${password}`).toString('base64');
    for (const bad of [
      `Bearer ${valid}`,
      'Basic',
      `Basic${valid}`,
      'Basic !!!!',
      `Basic ${valid.replace(/=+$/, '')}x`,
      `Basic ${valid} extra`,
      basic('no-colon-here'),
    ]) {
      expect(await verify(config, { headers: { Authorization: bad }, body }, password), bad).toMatchObject({
        ok: false,
        reason: 'malformed_header',
      });
    }
  });

  it('fails on an Authorization header sent twice with different values', async () => {
    const headers = { Authorization: [basic(`hook-sender:${password}`), basic('hook-sender:other')] };
    expect(await verify(config, { headers, body }, password)).toMatchObject({ ok: false, reason: 'ambiguous_header' });
  });

  it('fails closed when no password is set', async () => {
    const headers = { Authorization: basic('hook-sender:') };
    expect(await verify(config, { headers, body }, { default: { values: [] } })).toMatchObject({
      ok: false,
      reason: 'secret_not_set',
    });
  });

  it('fails if the username is misconfigured', async () => {
    const headers = { Authorization: basic(`a:b:${password}`) };
    await expect(verify({ ...config, username: 'a:b' }, { headers, body }, password)).rejects.toThrow(
      SchemeConfigError,
    );
  });

  it('compares credentials of different lengths without throwing', () => {
    expect(secretEquals('short', 'a much longer secret')).toBe(false);
    expect(secretEquals(Buffer.from('same'), 'same')).toBe(true);
    expect(matchesAnySecret('b', ['a', 'b', 'c'])).toBe(true);
    expect(matchesAnySecret('d', ['a', 'b', 'c'])).toBe(false);
    expect(matchesAnySecret('a', [])).toBe(false);
  });

  it('redacts Authorization', () => {
    expect(sensitiveHeaders(config)).toContain('authorization');
  });
});
