import { describe, expect, it } from 'vitest';
import { basicAuth } from '../support/schemes/generic';
import { msTeams, standardWebhooks } from '../support/schemes/presets';
import { findLeaks, NeedleSet, requestNeedles, secretNeedles } from './needles';

/** The leak search itself: a secret written out in any usual spelling is found. */
describe('findLeaks', () => {
  const secret = standardWebhooks.secretValues[0]!;
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const needles = secretNeedles(standardWebhooks);

  it.each([
    ['as is', `value=${secret}`],
    ['JSON-escaped inside a log line', JSON.stringify({ detail: `key ${secret}` })],
    ['URL-encoded', `https://x/?s=${encodeURIComponent(secret)}`],
    ['as base64', Buffer.from(secret).toString('base64')],
    ['as hex, upper case', Buffer.from(secret).toString('hex').toUpperCase()],
    ['as the decoded key in hex', `k=${key.toString('hex')}`],
  ])('finds a whsec_ secret written %s', (_, text) => {
    expect(findLeaks({ out: text }, needles)).not.toEqual([]);
  });

  it('finds basic-auth credentials and Teams keys used decoded', () => {
    const password = basicAuth.secretValues[0]!;
    const credentials = Buffer.from(`sender:${password}`).toString('base64');
    expect(findLeaks({ out: `Authorization: Basic ${credentials}` }, secretNeedles(basicAuth))).not.toEqual([]);
    const teamsKey = Buffer.from(msTeams.secretValues[0]!, 'base64').toString('hex');
    expect(findLeaks({ out: teamsKey }, secretNeedles(msTeams))).not.toEqual([]);
  });

  it("finds each signature of a request's signature header, and nothing in a clean output", () => {
    const signature = 'v1,' + Buffer.alloc(32, 7).toString('base64');
    const request = {
      method: 'POST',
      headers: [['webhook-signature', `${signature} v1,${Buffer.alloc(32, 9).toString('base64')}`]] as const,
      body: Buffer.alloc(0),
      query: [],
      base64: true,
    };
    const sent = requestNeedles(standardWebhooks, request, 'test');
    expect(findLeaks({ out: `"sig":"${Buffer.alloc(32, 9).toString('base64')}"` }, sent)).toHaveLength(1);
    expect(findLeaks({ out: 'webhook-signature: [redacted]' }, [...sent, ...needles])).toEqual([]);
  });

  it('leaves out, on request, the needles derived from the secret being shown', () => {
    const set = new NeedleSet();
    set.add(...needles, ...secretNeedles(basicAuth));
    expect(set.except(secret).every((n) => n.secret !== secret)).toBe(true);
    expect(set.except(secret).length).toBe(secretNeedles(basicAuth).length);
  });
});
