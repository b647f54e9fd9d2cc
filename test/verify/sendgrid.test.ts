import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { EventWebhook } from '@sendgrid/eventwebhook';
import { describe, expect, it } from 'vitest';
import type { VerifierConfig } from '../../lambdas/core/config/verifier';
import { prettyPrinted, tampered, verify } from '../helpers/verify';

const config: VerifierConfig = { type: 'sendgrid' };
const now = new Date('2026-03-01T12:00:00Z');
const nowSeconds = now.getTime() / 1000;
const SIGNATURE = 'X-Twilio-Email-Event-Webhook-Signature';
const TIMESTAMP = 'X-Twilio-Email-Event-Webhook-Timestamp';

function keyPair() {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  // SendGrid shows its verification key as base64 DER (SubjectPublicKeyInfo).
  return {
    privateKey,
    publicKey: publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
    pem: publicKey,
  };
}

const account = keyPair();
const events = JSON.stringify([
  { email: 'a@example.com', event: 'delivered', sg_event_id: 'ZGVsaXZlcmVk', timestamp: nowSeconds },
  { email: 'b@example.com', event: 'open', sg_event_id: 'b3Blbg', timestamp: nowSeconds },
]);

function signedHeaders(body: string, privateKey: KeyObject = account.privateKey, timestamp = nowSeconds) {
  const ts = String(timestamp);
  return {
    [SIGNATURE]: sign('sha256', Buffer.from(ts + body), privateKey).toString('base64'),
    [TIMESTAMP]: ts,
    'Content-Type': 'application/json',
  };
}

function sendgridAccepts(publicKey: string, body: string, headers: Record<string, string>): boolean {
  const ew = new EventWebhook();
  return ew.verifySignature(ew.convertPublicKeyToECDSA(publicKey), body, headers[SIGNATURE]!, headers[TIMESTAMP]!);
}

/** The other valid ECDSA signature of the same message: (r, s) → (r, n − s), re-encoded as DER. */
function malleate(base64: string): string {
  const n = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');
  const der = Buffer.from(base64, 'base64');
  const rLen = der[3]!;
  const r = der.subarray(4, 4 + rLen);
  const s = BigInt('0x' + der.subarray(6 + rLen).toString('hex'));
  let hex = (n - s).toString(16);
  if (hex.length % 2) hex = '0' + hex;
  let s2 = Buffer.from(hex, 'hex');
  if (s2[0]! >= 0x80) s2 = Buffer.concat([Buffer.from([0]), s2]);
  const body = Buffer.concat([Buffer.from([0x02, r.length]), r, Buffer.from([0x02, s2.length]), s2]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]).toString('base64');
}

describe('sendgrid preset', () => {
  it("accepts the vectors of @sendgrid/eventwebhook's own tests", async () => {
    const single = {
      key: 'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE83T4O/n84iotIvIW4mdBgQ/7dAfSmpqIM8kF9mN1flpVKS3GRqe62gw+2fNNRaINXvVpiglSI8eNEc6wEA3F+g==',
      signature: 'MEUCIGHQVtGj+Y3LkG9fLcxf3qfI10QysgDWmMOVmxG0u6ZUAiEAyBiXDWzM+uOe5W0JuG+luQAbPIqHh89M15TluLtEZtM=',
      timestamp: '1600112502',
      body:
        JSON.stringify([
          {
            email: 'hello@world.com',
            event: 'dropped',
            reason: 'Bounced Address',
            sg_event_id: 'ZHJvcC0xMDk5NDkxOS1MUnpYbF9OSFN0T0doUTRrb2ZTbV9BLTA',
            sg_message_id: 'LRzXl_NHStOGhQ4kofSm_A.filterdrecv-p3mdw1-756b745b58-kmzbl-18-5F5FC76C-9.0',
            'smtp-id': '<LRzXl_NHStOGhQ4kofSm_A@ismtpd0039p1iad1.sendgrid.net>',
            timestamp: 1600112492,
          },
        ]) + '\r\n',
    };
    const headers = { [SIGNATURE]: single.signature, [TIMESTAMP]: single.timestamp };
    const at = new Date(Number(single.timestamp) * 1000 + 5_000);
    const verdict = await verify(config, { headers, body: single.body }, { default: { publicKey: single.key } }, at);
    expect(verdict).toMatchObject({
      ok: true,
      deliveryIdSource: 'fallback',
      dedupKeySource: 'signed-hash',
      timestamp: new Date(1600112502000),
    });
    expect(verdict.ok && verdict.eventType).toBe(undefined);

    const multi = {
      key: 'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEQ4LIFtWztlsF7skFqOncjD1lun4H5w8XOhyOArHW9RcIx/FfEzx6cikC/yPfUvwaX/JScE7Fc9CJD2afQ9Ok3Q==',
      signature: 'MEYCIQC/I4o6vCgqRYrTljjoVWB/GRWNtxeePlLMHr3x9ETeRQIhAIpV+03nREPTTHWSW0wIOA0EoMPdcNgXa70yCaqDJlu5',
      timestamp: '1619651159',
      body:
        JSON.stringify([
          {
            email: 'invalid@gmail.com',
            event: 'processed',
            send_at: 0,
            sg_event_id: 'cHJvY2Vzc2VkLTE5OTQyMTEyLXFOd0JMZ1BRUWpXNkRKdktRd1NBYnctMA',
            sg_message_id: 'qNwBLgPQQjW6DJvKQwSAbw.filterdrecv-canary-547b64655b-cw6zx-1-6089EA4A-56.0',
            'smtp-id': '<qNwBLgPQQjW6DJvKQwSAbw@ismtpd0178p1mdw1.sendgrid.net>',
            timestamp: 1619651146,
          },
          {
            email: 'invalid@gmail.com',
            event: 'bounce',
            ip: '167.89.101.76',
            reason:
              '552 5.2.2 The email account that you tried to reach is over quota and inactive. Please direct the recipient to https://support.google.com/mail/?p=OverQuotaPerm c17si1130468pgv.34 - gsmtp',
            sg_event_id: 'Ym91bmNlLTAtMTk5NDIxMTItcU53QkxnUFFRalc2REp2S1F3U0Fidy0w',
            sg_message_id: 'qNwBLgPQQjW6DJvKQwSAbw.filterdrecv-canary-547b64655b-cw6zx-1-6089EA4A-56.0',
            'smtp-id': '<qNwBLgPQQjW6DJvKQwSAbw@ismtpd0178p1mdw1.sendgrid.net>',
            status: '5.2.2',
            timestamp: 1619651147,
            tls: 1,
            type: 'blocked',
          },
        ])
          .split('},{')
          .join('},\r\n{') + '\r\n',
    };
    const multiHeaders = { [SIGNATURE]: multi.signature, [TIMESTAMP]: multi.timestamp };
    const multiAt = new Date(Number(multi.timestamp) * 1000);
    expect(
      await verify(config, { headers: multiHeaders, body: multi.body }, { default: { publicKey: multi.key } }, multiAt),
    ).toMatchObject({ ok: true });
    // The same vector one byte shorter (the trailing newline dropped) no longer verifies.
    expect(
      await verify(
        config,
        { headers: multiHeaders, body: multi.body.slice(0, -1) },
        { default: { publicKey: multi.key } },
        multiAt,
      ),
    ).toMatchObject({ ok: false, reason: 'signature_mismatch' });
  });

  it('accepts a request signed with a generated P-256 key that @sendgrid/eventwebhook also accepts', async () => {
    const headers = signedHeaders(events);
    expect(sendgridAccepts(account.publicKey, events, headers)).toBe(true);
    const verdict = await verify(config, { headers, body: events }, { default: { publicKey: account.publicKey } }, now);
    expect(verdict).toMatchObject({ ok: true, scheme: 'sendgrid', deliveryIdSource: 'fallback', timestamp: now });
    expect(verdict.ok && verdict.deliveryId).toMatch(/^[0-9a-f]{64}$/);
  });

  it('accepts the public key as PEM too', async () => {
    const pem = account.pem.export({ format: 'pem', type: 'spki' }).toString();
    const headers = signedHeaders(events);
    expect(await verify(config, { headers, body: events }, { default: { publicKey: pem } }, now)).toMatchObject({
      ok: true,
    });
  });

  it('gives one delivery the same id each time and different deliveries different ids', async () => {
    const headers = signedHeaders(events);
    const secrets = { default: { publicKey: account.publicKey } };
    const a = await verify(config, { headers, body: events }, secrets, now);
    const b = await verify(config, { headers, body: events }, secrets, now);
    const other = '[{"event":"delivered"}]';
    const c = await verify(config, { headers: signedHeaders(other), body: other }, secrets, now);
    expect(a.ok && b.ok && c.ok).toBe(true);
    if (a.ok && b.ok && c.ok) {
      expect(a.deliveryId).toBe(b.deliveryId);
      expect(c.deliveryId).not.toBe(a.deliveryId);
    }
  });

  it('gives a replay with another valid signature of the same bytes the same id', async () => {
    const secrets = { default: { publicKey: account.publicKey } };
    const first = signedHeaders(events);
    const resigned = signedHeaders(events); // ECDSA is randomized: a different, equally valid signature
    expect(resigned[SIGNATURE]).not.toBe(first[SIGNATURE]);
    // The malleated twin (r, n - s) of the first signature verifies too.
    const twin = { ...first, [SIGNATURE]: malleate(first[SIGNATURE]) };
    expect(sendgridAccepts(account.publicKey, events, twin)).toBe(true);
    const ids = [];
    for (const headers of [first, resigned, twin]) {
      const verdict = await verify(config, { headers, body: events }, secrets, now);
      expect(verdict.ok).toBe(true);
      ids.push(verdict.ok ? verdict.deliveryId : '');
    }
    expect(new Set(ids).size).toBe(1);
  });

  it('accepts any active key while rotating, and not an expired one', async () => {
    const next = keyPair();
    const headers = signedHeaders(events, account.privateKey);
    const rotating = {
      values: [{ value: next.publicKey }, { value: account.publicKey, expiresAt: '2999-01-01T00:00:00Z' }],
    };
    expect(await verify(config, { headers, body: events }, { default: rotating }, now)).toMatchObject({ ok: true });
    const alongside = { publicKey: next.publicKey, values: [account.publicKey] };
    expect(await verify(config, { headers, body: events }, { default: alongside }, now)).toMatchObject({ ok: true });
    const expired = {
      publicKey: next.publicKey,
      values: [{ value: account.publicKey, expiresAt: '2000-01-01T00:00:00Z' }],
    };
    expect(await verify(config, { headers, body: events }, { default: expired }, now)).toMatchObject({
      ok: false,
      reason: 'signature_mismatch',
    });
  });

  it('fails if one byte of the body changed', async () => {
    const headers = signedHeaders(events);
    const body = tampered(events);
    expect(sendgridAccepts(account.publicKey, body, headers)).toBe(false);
    expect(await verify(config, { headers, body }, { default: { publicKey: account.publicKey } }, now)).toMatchObject({
      ok: false,
      reason: 'signature_mismatch',
    });
  });

  it('fails if the JSON is pretty-printed with the original signature', async () => {
    const headers = signedHeaders(events);
    const body = prettyPrinted(events);
    expect(await verify(config, { headers, body }, { default: { publicKey: account.publicKey } }, now)).toMatchObject({
      ok: false,
      reason: 'signature_mismatch',
    });
  });

  it('fails if the signed timestamp is changed', async () => {
    const headers = { ...signedHeaders(events), [TIMESTAMP]: String(nowSeconds - 1) };
    expect(
      await verify(config, { headers, body: events }, { default: { publicKey: account.publicKey } }, now),
    ).toMatchObject({ ok: false, reason: 'signature_mismatch' });
  });

  it('fails with the wrong key', async () => {
    const headers = signedHeaders(events, keyPair().privateKey);
    expect(
      await verify(config, { headers, body: events }, { default: { publicKey: account.publicKey } }, now),
    ).toMatchObject({ ok: false, reason: 'signature_mismatch' });
  });

  it('fails if the signature or timestamp header is missing', async () => {
    for (const name of [SIGNATURE, TIMESTAMP]) {
      const headers: Record<string, string> = signedHeaders(events);
      delete headers[name];
      expect(
        await verify(config, { headers, body: events }, { default: { publicKey: account.publicKey } }, now),
      ).toMatchObject({ ok: false, reason: 'missing_header' });
    }
  });

  it('fails on a malformed signature or timestamp header', async () => {
    const secrets = { default: { publicKey: account.publicKey } };
    for (const [name, bad] of [
      [SIGNATURE, 'not base64!'],
      [SIGNATURE, 'MEUCIGHQ'.slice(0, 7)],
      [TIMESTAMP, 'yesterday'],
      [TIMESTAMP, '-1600112502'],
    ] as const) {
      const headers = { ...signedHeaders(events), [name]: bad };
      expect(await verify(config, { headers, body: events }, secrets, now)).toMatchObject({
        ok: false,
        reason: 'malformed_header',
      });
    }
    // Valid base64 that is not a DER signature is simply not a match.
    const headers = { ...signedHeaders(events), [SIGNATURE]: Buffer.alloc(70, 1).toString('base64') };
    expect(await verify(config, { headers, body: events }, secrets, now)).toMatchObject({
      ok: false,
      reason: 'signature_mismatch',
    });
  });

  it('fails on a stale or future timestamp beyond 300 s, and honours toleranceSeconds', async () => {
    const secrets = { default: { publicKey: account.publicKey } };
    const at = (offset: number) => signedHeaders(events, account.privateKey, nowSeconds + offset);
    expect(await verify(config, { headers: at(-299), body: events }, secrets, now)).toMatchObject({ ok: true });
    expect(await verify(config, { headers: at(299), body: events }, secrets, now)).toMatchObject({ ok: true });
    expect(await verify(config, { headers: at(-301), body: events }, secrets, now)).toMatchObject({
      ok: false,
      reason: 'timestamp_too_old',
    });
    expect(await verify(config, { headers: at(301), body: events }, secrets, now)).toMatchObject({
      ok: false,
      reason: 'timestamp_in_future',
    });
    const wide: VerifierConfig = { type: 'sendgrid', toleranceSeconds: 600 };
    expect(await verify(wide, { headers: at(-301), body: events }, secrets, now)).toMatchObject({ ok: true });
  });

  it('fails closed when no public key is set', async () => {
    const headers = signedHeaders(events);
    for (const secrets of [{ default: { values: [] } }, {}, { default: { publicKey: '' } }]) {
      expect(await verify(config, { headers, body: events }, secrets, now)).toMatchObject({
        ok: false,
        reason: 'secret_not_set',
      });
    }
  });

  it('fails if the public key is not a P-256 key', async () => {
    const headers = signedHeaders(events);
    const ed25519 = generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
    for (const publicKey of ['not a key', 'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE', ed25519]) {
      expect(await verify(config, { headers, body: events }, { default: { publicKey } }, now)).toMatchObject({
        ok: false,
        reason: 'invalid_secret',
      });
    }
  });
});
