import { readFileSync } from 'node:fs';
import webhooksExamples from '@octokit/webhooks-examples';
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { sampleCatalog, sampleEvent, UnknownEventError } from '../../cli/samples';
import { shiftTimes } from '../../cli/samples/github';
import { STRIPE_API_VERSION } from '../../cli/samples/stripe';
import { devMaterial, newDevSecret } from '../../cli/secrets/dev';
import { secretNeeds } from '../../cli/secrets/needs';
import { signRequest, twilioJsonUrl, urlWithApiKey } from '../../cli/sign';
import { requestContent } from '../../cli/signed-delivery';
import { PRESET_NAMES, type VerifierConfig } from '../../lambdas/core/config/verifier';
import { GITHUB_SAMPLES, githubSamples } from '../../scripts/samples';
import { verify } from '../helpers/verify';

const GENERIC: VerifierConfig = {
  type: 'hmac',
  header: 'x-sig',
  algorithm: 'sha256',
  encoding: 'hex',
  signedContent: '{body}',
};
const VERIFIERS: VerifierConfig[] = [...PRESET_NAMES.map((type) => ({ type }) as VerifierConfig), GENERIC];
const json = (verifier: VerifierConfig, event?: string, set?: string[]) =>
  JSON.parse(sampleEvent(verifier, { ...(event && { event }), ...(set && { set }) }).body.toString()) as Record<
    string,
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    any
  >;

describe('sample events', () => {
  it('cli/samples/github.json is what scripts/samples.ts makes of the installed @octokit/webhooks-examples (run it after an upgrade)', () => {
    expect(readFileSync(GITHUB_SAMPLES, 'utf8')).toBe(githubSamples());
    const names = webhooksExamples.map((d) => d.name).sort();
    expect([...sampleCatalog({ type: 'github' }).events].sort()).toEqual(names);
  });

  it.each(VERIFIERS.flatMap((v) => sampleCatalog(v).events.map((event) => [v.type, event, v] as const)))(
    '%s %s: signed with a development secret, the gateway verifies it',
    async (_type, event, verifier) => {
      const webhook = { name: 'w', verifier, secrets: {}, expressions: { eventKey: "'x'" }, maxBodySize: 1 << 20 };
      const dev = Object.fromEntries(secretNeeds(webhook).map((n) => [n.ref, newDevSecret(n)]));
      const material = Object.fromEntries(Object.entries(dev).map(([ref, d]) => [ref, devMaterial(d)]));
      const keys = {
        secret: (ref: string) => material[ref]?.values[0]?.value,
        privateKey: (ref: string) => dev[ref]?.privateKey,
      };
      const sample = sampleEvent(verifier, { event });
      let url = urlWithApiKey(verifier, 'http://127.0.0.1:8787/webhooks/w', keys);
      if (verifier.type === 'twilio' && !sample.contentType.includes('form')) url = twilioJsonUrl(url, sample.body);
      const signed = await signRequest(
        verifier,
        {
          url,
          body: sample.body,
          contentType: sample.contentType,
          ...(sample.eventType && { eventType: sample.eventType }),
        },
        keys,
      );
      const verdict = await verify(verifier, { url, headers: signed.headers, body: signed.body }, material);
      expect(verdict).toMatchObject({ ok: true });
    },
  );

  it('sends the type of the event asked for, in the body or the provider’s header', () => {
    expect(json({ type: 'stripe' }, 'charge.failed')).toMatchObject({
      type: 'charge.failed',
      data: { object: { object: 'charge', status: 'failed', failure_code: 'card_declined' } },
    });
    expect(json({ type: 'github' }, 'pull_request')).toMatchObject({ action: 'opened', number: 2 });
    expect(sampleEvent({ type: 'github' }, { event: 'pull_request' }).eventType).toBe('pull_request');
    expect(sampleEvent({ type: 'shopify' }, { event: 'orders/paid' }).eventType).toBe('orders/paid');
    expect(sampleEvent({ type: 'gitlab' }, { event: 'merge_request' }).eventType).toBe('Merge Request Hook');
    expect(json({ type: 'slack' }, 'reaction_added').event.type).toBe('reaction_added');
    expect(json({ type: 'zoom' }, 'meeting.ended').event).toBe('meeting.ended');
    expect(json({ type: 'paddle' }, 'subscription.created').event_type).toBe('subscription.created');
    expect(json(GENERIC, 'deleted')).toMatchObject({ event: 'deleted', type: 'test.deleted' });
    expect(sampleEvent({ type: 'twilio' }, { event: 'message-status' }).body.toString()).toContain(
      'MessageStatus=delivered',
    );
    // The default is each provider's most common event.
    expect(json({ type: 'stripe' }).type).toBe('payment_intent.succeeded');
    expect(sampleEvent({ type: 'github' }).eventType).toBe('push');
  });

  it('fails for an event type without a sample, listing those there are and the nearest one (exit 2)', () => {
    let failure: UnknownEventError | undefined;
    try {
      sampleEvent({ type: 'stripe' }, { event: 'charge.faild' });
    } catch (error) {
      failure = error as UnknownEventError;
    }
    expect(failure).toBeInstanceOf(UnknownEventError);
    expect(failure?.exitCode).toBe(2);
    expect(failure?.message).toMatch(
      /^no sample event "charge\.faild" for stripe \(did you mean "charge\.failed"\?\): it has payment_intent\.succeeded, /,
    );
    expect(() => sampleEvent({ type: 'github' }, { event: 'pullrequest' })).toThrow(/did you mean "pull_request"/);
  });

  it('--set changes a field of the sample (JSON values parsed), and a form field as text', () => {
    const review = json({ type: 'github' }, 'pull_request_review', ['review.state=approved', 'pull_request.number=7']);
    expect(review.review.state).toBe('approved');
    expect(review.pull_request.number).toBe(7);
    const form = sampleEvent({ type: 'twilio' }, { set: ['Body=42'] }).body.toString();
    expect(new URLSearchParams(form).get('Body')).toBe('42');
    expect(() => sampleEvent({ type: 'github' }, { set: ['action'] })).toThrow(/expected path=value/);
    expect(() => sampleEvent({ type: 'github' }, { set: ['ref.x=1'] })).toThrow(
      /ref is "refs\/heads\/master", not an object/,
    );
  });

  it('new ids and times each time: a Stripe event id, a push’s SHAs, GitHub times moved to now', () => {
    expect(json({ type: 'stripe' }).id).not.toBe(json({ type: 'stripe' }).id);
    const now = new Date('2027-01-02T03:04:05Z');
    const push = JSON.parse(sampleEvent({ type: 'github' }, { now }).body.toString());
    expect(push.head_commit.id).toBe(push.after);
    expect(push.commits.at(-1).id).toBe(push.after);
    expect(push.after).not.toBe(json({ type: 'github' }).after);
    const times = shiftTimes(
      {
        a: '2019-05-15T15:20:30-05:00',
        b: '2019-05-15T20:20:33Z',
        c: '2019-05-15T20:20:31.123Z',
        pushed_at: 1557951633,
      },
      now,
    );
    expect(times).toEqual({
      a: '2027-01-01T22:04:02-05:00',
      b: '2027-01-02T03:04:05Z',
      c: '2027-01-02T03:04:03.123Z',
      pushed_at: now.getTime() / 1000,
    });
  });

  it('Stripe samples are Events of the API version of the stripe package, their object the type’s', () => {
    const objects: Record<string, string> = {
      payment_intent: 'payment_intent',
      charge: 'charge',
      checkout: 'checkout.session',
      customer: 'customer',
      invoice: 'invoice',
    };
    expect(STRIPE_API_VERSION).toBe(Stripe.API_VERSION);
    for (const event of sampleCatalog({ type: 'stripe' }).events) {
      const body = json({ type: 'stripe' }, event);
      expect(body).toMatchObject({ object: 'event', type: event, api_version: STRIPE_API_VERSION, livemode: false });
      expect(body.data.object.object).toBe(objects[event.split('.')[0]!]);
    }
  });

  it('a --file body with --event: the header for GitHub, a usage error for a provider that types the body', () => {
    const file = GITHUB_SAMPLES;
    expect(requestContent({ type: 'github' }, { file, eventType: 'issues' }).eventType).toBe('issues');
    expect(() => requestContent({ type: 'stripe' }, { file, eventType: 'charge.failed' })).toThrow(
      /--event with --file: stripe carries the event type in the body/,
    );
  });
});
