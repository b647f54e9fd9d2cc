import { applyMutation } from '../fuzz/mutations';
import { signedRequest, type Profile, type WireRequest } from '../support/schemes';

/** One request of the leak run and the status it must get (so that the run really exercises each path). */
export interface Scenario {
  readonly label: string;
  readonly request: WireRequest;
  readonly expect: number;
}

/**
 * A run over one scheme: accepted, the same again (duplicate), a tampered signature, a wrong key, a
 * signed timestamp an hour old (schemes that sign one), a validly signed body that does not parse
 * (refused after verification), and each handshake, genuine and tampered. Each request is signed
 * when it is taken, at `now()`.
 */
export async function* scenarios(
  profile: Profile,
  options: { now: () => Date; url: string; nonce: string },
): AsyncGenerator<Scenario> {
  const { now, url, nonce } = options;
  const sign = (suffix: string, extra: Partial<Parameters<typeof signedRequest>[1]> = {}) =>
    signedRequest(profile, { now: now(), url, nonce: `${nonce}${suffix}`, ...extra });
  const tamper = (request: WireRequest) =>
    applyMutation(
      profile.signatureHeaders.length > 0
        ? { kind: 'sig-flip', at: 0, pos: 0.3, step: 5 }
        : { kind: 'query-flip', at: 0, pos: 0.5 },
      request,
      { profile, seconds: 0, ms: 0, maxBodySize: 0, wrongKey: () => sign('-w', { wrongKey: true }) },
    );
  const accepted = await sign('');
  yield { label: 'accepted', request: accepted, expect: 202 };
  yield { label: 'duplicate', request: accepted, expect: 202 };
  yield { label: 'tampered signature', request: await tamper(await sign('-t')), expect: 401 };
  yield { label: 'wrong key', request: await sign('-w', { wrongKey: true }), expect: 401 };
  if (profile.validity(3600) === 'invalid') {
    yield {
      label: 'an hour old',
      request: await sign('-o', { now: new Date(now().getTime() - 3_600_000) }),
      expect: 401,
    };
  }
  // Linear's signer needs a JSON object (it sets webhookTimestamp inside it).
  if (profile.name !== 'linear') {
    const form = profile.contentType === 'application/x-www-form-urlencoded';
    const body = Buffer.from(form ? 'a=%zz' : '{"unterminated":');
    yield { label: 'verified, body does not parse', request: await sign('-b', { body }), expect: 400 };
  }
  for (const [name, payload] of Object.entries(profile.handshakes ?? {})) {
    const handshake = await sign('-h', { payload: payload(`${nonce}h`, now()) });
    yield { label: `handshake ${name}`, request: handshake, expect: 200 };
    yield { label: `handshake ${name}, tampered`, request: await tamper(handshake), expect: 401 };
  }
}
