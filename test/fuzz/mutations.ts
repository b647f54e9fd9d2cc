import fc from 'fast-check';
import { API_HOST } from '../support/api-event';
import type { Profile, WireRequest } from '../support/schemes';

/**
 * Mutations of a validly signed request, as plain data (so fast-check can print, shrink and replay
 * them). Positions are fractions of whatever they index, so one mutation applies to any request.
 * Whether a mutation touched what the provider signs is not declared here: the profile decides it
 * from the request as received (Profile.mustReject), so a mutation that happens to change nothing
 * signed (a space in a JSON body of an apiKey webhook) is not held to "must be refused".
 */
export type Mutation =
  | { readonly kind: 'body-flip'; readonly at: number; readonly xor: number }
  | { readonly kind: 'body-insert'; readonly at: number; readonly byte: number }
  | { readonly kind: 'body-delete'; readonly at: number }
  | { readonly kind: 'body-truncate'; readonly keep: number }
  | { readonly kind: 'body-append'; readonly text: string }
  | { readonly kind: 'body-bom' }
  | { readonly kind: 'body-invalid-utf8'; readonly at: number }
  | { readonly kind: 'body-reserialize' }
  | { readonly kind: 'body-deepen'; readonly depth: number }
  | { readonly kind: 'body-pad'; readonly delta: number }
  | { readonly kind: 'body-empty' }
  | { readonly kind: 'form-reorder' }
  | { readonly kind: 'form-duplicate'; readonly at: number }
  | { readonly kind: 'header-drop'; readonly at: number }
  | { readonly kind: 'header-duplicate'; readonly at: number; readonly same: boolean; readonly pos: number }
  | { readonly kind: 'header-case'; readonly at: number; readonly style: 'upper' | 'lower' | 'alternate' }
  | {
      readonly kind: 'header-whitespace';
      readonly at: number;
      readonly pad: string;
      readonly where: 'lead' | 'trail' | 'both';
    }
  | { readonly kind: 'header-flip'; readonly at: number; readonly pos: number; readonly char: string }
  | { readonly kind: 'header-empty'; readonly at: number }
  | { readonly kind: 'header-add'; readonly name: string; readonly value: string }
  | { readonly kind: 'header-set'; readonly name: string; readonly value: string }
  | { readonly kind: 'sig-flip'; readonly at: number; readonly pos: number; readonly step: number }
  | { readonly kind: 'sig-case'; readonly at: number }
  | { readonly kind: 'sig-truncate'; readonly at: number }
  | { readonly kind: 'sig-append'; readonly at: number; readonly text: string }
  | { readonly kind: 'sig-wrong-key' }
  | { readonly kind: 'timestamp-shift'; readonly delta: number }
  | { readonly kind: 'query-add'; readonly name: string; readonly value: string }
  | { readonly kind: 'query-drop'; readonly at: number }
  | { readonly kind: 'query-duplicate'; readonly at: number; readonly same: boolean }
  | { readonly kind: 'query-flip'; readonly at: number; readonly pos: number }
  | { readonly kind: 'base64-off' }
  | { readonly kind: 'content-type'; readonly to: string | null }
  | { readonly kind: 'host'; readonly to: 'upper' | 'port-443' | 'port-8443' | 'other' }
  | { readonly kind: 'method'; readonly to: string };

const at = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });
const HEX64 = '0'.repeat(64);
const B64_32 = Buffer.alloc(32).toString('base64');

export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('body-flip'), at, xor: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant('body-insert'), at, byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('body-delete'), at }),
  fc.record({ kind: fc.constant('body-truncate'), keep: at }),
  fc.record({
    kind: fc.constant('body-append'),
    text: fc.constantFrom(' ', '\n', '\u0000', 'x', '}', ']', '&a=b', '\uFEFF', '\r\n'),
  }),
  fc.record({ kind: fc.constant('body-bom') }),
  fc.record({ kind: fc.constant('body-invalid-utf8'), at }),
  fc.record({ kind: fc.constant('body-reserialize') }),
  fc.record({ kind: fc.constant('body-deepen'), depth: fc.constantFrom(2, 255, 256, 257, 5000) }),
  fc.record({ kind: fc.constant('body-pad'), delta: fc.constantFrom(-1, 0, 1, 1000) }),
  fc.record({ kind: fc.constant('body-empty') }),
  fc.record({ kind: fc.constant('form-reorder') }),
  fc.record({ kind: fc.constant('form-duplicate'), at }),
  fc.record({ kind: fc.constant('header-drop'), at }),
  fc.record({ kind: fc.constant('header-duplicate'), at, same: fc.boolean(), pos: at }),
  fc.record({ kind: fc.constant('header-case'), at, style: fc.constantFrom('upper', 'lower', 'alternate') }),
  fc.record({
    kind: fc.constant('header-whitespace'),
    at,
    pad: fc.constantFrom(' ', '\t', '  '),
    where: fc.constantFrom('lead', 'trail', 'both'),
  }),
  fc.record({
    kind: fc.constant('header-flip'),
    at,
    pos: at,
    char: fc.constantFrom('0', 'a', 'Z', '=', ',', ' ', '+', '/', '-', 'é'),
  }),
  fc.record({ kind: fc.constant('header-empty'), at }),
  fc.record({
    kind: fc.constant('header-add'),
    name: fc.constantFrom(
      'X-Hub-Signature',
      'Shopify-Hmac-Sha256',
      'svix-id',
      'webhook-id',
      'Authorization',
      'X-Api-Key',
      'Content-Length',
      'Content-Encoding',
      'Linear-Delivery',
      'Idempotency-Key',
      'X-Forwarded-Host',
    ),
    value: fc.constantFrom('x', '', 'sha1=' + '0'.repeat(40), '99999999', 'gzip', 'Bearer x.y.z', 'Basic c2VuZGVyOng='),
  }),
  fc.record({
    kind: fc.constant('header-set'),
    name: fc.constantFrom(
      'X-GitHub-Delivery',
      'X-GitHub-Event',
      'X-Shopify-Webhook-Id',
      'X-Shopify-Topic',
      'I-Twilio-Idempotency-Token',
      'Linear-Delivery',
      'Linear-Event',
      'Idempotency-Key',
      'X-Gitlab-Event',
      'User-Agent',
      'webhook-id',
      'svix-id',
    ),
    value: fc.constantFrom('replayed-id', '', 'x'.repeat(3000), 'ü'.repeat(700), 'push'),
  }),
  fc.record({ kind: fc.constant('sig-flip'), at, pos: at, step: fc.integer({ min: 1, max: 15 }) }),
  fc.record({ kind: fc.constant('sig-case'), at }),
  fc.record({ kind: fc.constant('sig-truncate'), at }),
  fc.record({
    kind: fc.constant('sig-append'),
    at,
    text: fc.constantFrom(`,v1=${HEX64}`, ` v1,${B64_32}`, `;h1=${HEX64}`, `, sha256=${HEX64}`, ' ', ',', ';', `,t=1`),
  }),
  fc.record({ kind: fc.constant('sig-wrong-key') }),
  fc.record({
    kind: fc.constant('timestamp-shift'),
    delta: fc.integer({ min: -1000, max: 1000 }).filter((d) => d !== 0),
  }),
  fc.record({
    kind: fc.constant('query-add'),
    name: fc.constantFrom('key', 'bodySHA256', 'x', 'account'),
    value: fc.constantFrom('', 'x', HEX64, 'a b&c'),
  }),
  fc.record({ kind: fc.constant('query-drop'), at }),
  fc.record({ kind: fc.constant('query-duplicate'), at, same: fc.boolean() }),
  fc.record({ kind: fc.constant('query-flip'), at, pos: at }),
  fc.record({ kind: fc.constant('base64-off') }),
  fc.record({
    kind: fc.constant('content-type'),
    to: fc.constantFrom(
      null,
      'text/plain',
      'application/json; charset=utf-8',
      'application/json; charset=iso-8859-1',
      'application/x-www-form-urlencoded',
      'APPLICATION/JSON',
      'application/cloudevents+json',
      'multipart/form-data; boundary=x',
      'application/json;charset="UTF-8"',
      'application/x-www-form-urlencoded; charset=latin1',
    ),
  }),
  fc.record({ kind: fc.constant('host'), to: fc.constantFrom('upper', 'port-443', 'port-8443', 'other') }),
  fc.record({ kind: fc.constant('method'), to: fc.constantFrom('PUT', 'GET', 'post', 'PATCH') }),
) as fc.Arbitrary<Mutation>;

/** What a mutation may need besides the request. */
export interface MutationContext {
  readonly profile: Profile;
  /** The signing time of the original, in Unix seconds and milliseconds (timestamp shifts find them). */
  readonly seconds: number;
  readonly ms: number;
  readonly maxBodySize: number;
  /** The original re-signed with a key the webhook does not have. */
  readonly wrongKey: () => Promise<WireRequest>;
}

type Headers = [string, string][];
const index = (fraction: number, length: number) => Math.min(length - 1, Math.floor(fraction * length));
const HEX = '0123456789abcdef';
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Another character of the same alphabet, `step` places on (a hex digit stays a hex digit …). */
function shifted(c: string, step: number): string {
  const lower = c.toLowerCase();
  if (HEX.includes(lower) && /[0-9a-fA-F]/.test(c)) return HEX[(HEX.indexOf(lower) + step) % 16]!;
  if (B64.includes(c)) return B64[(B64.indexOf(c) + step) % 64]!;
  return c === 'x' ? 'y' : 'x';
}

function alternate(s: string): string {
  return [...s].map((c, i) => (i % 2 === 0 ? c.toUpperCase() : c.toLowerCase())).join('');
}

function mapHeader(headers: Headers, i: number, f: (h: [string, string]) => [string, string] | undefined): Headers {
  const out: Headers = [];
  headers.forEach((h, j) => {
    const mapped = j === i ? f(h) : h;
    if (mapped) out.push(mapped);
  });
  return out;
}

/** Indices of the headers carrying the profile's signature or credential. */
function signatureIndices(profile: Profile, headers: Headers): number[] {
  return headers.flatMap(([n], i) => (profile.signatureHeaders.includes(n.toLowerCase()) ? [i] : []));
}

function replaceAll(body: Buffer, from: string, to: string): Buffer {
  return Buffer.from(body.toString('latin1').split(from).join(to), 'latin1');
}

/** Applies one mutation; a mutation that does not apply (no query to drop …) returns the request unchanged. */
export async function applyMutation(m: Mutation, request: WireRequest, ctx: MutationContext): Promise<WireRequest> {
  const r = { ...request, headers: [...request.headers] as Headers, query: [...request.query] as Headers };
  const body = r.body;
  const b = (x: Buffer): WireRequest => ({ ...r, body: x });
  const pos = (fraction: number) => index(fraction, Math.max(1, body.length));
  switch (m.kind) {
    case 'body-flip': {
      if (body.length === 0) return r;
      const copy = Buffer.from(body);
      const i = pos(m.at);
      copy[i] = copy[i]! ^ m.xor;
      return b(copy);
    }
    case 'body-insert': {
      const i = index(m.at, body.length + 1);
      return b(Buffer.concat([body.subarray(0, i), Buffer.from([m.byte]), body.subarray(i)]));
    }
    case 'body-delete': {
      if (body.length === 0) return r;
      const i = pos(m.at);
      return b(Buffer.concat([body.subarray(0, i), body.subarray(i + 1)]));
    }
    case 'body-truncate':
      return b(body.subarray(0, Math.floor(m.keep * body.length)));
    case 'body-append':
      return b(Buffer.concat([body, Buffer.from(m.text)]));
    case 'body-bom':
      return b(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), body]));
    case 'body-invalid-utf8': {
      const i = index(m.at, body.length + 1);
      return b(Buffer.concat([body.subarray(0, i), Buffer.from([0xc3, 0x28]), body.subarray(i)]));
    }
    case 'body-reserialize': {
      const text = body.toString('utf8');
      try {
        return b(Buffer.from(JSON.stringify(JSON.parse(text), null, 2)));
      } catch {
        // A form: the same fields, spaces spelt `+` instead of `%20`.
        return b(Buffer.from(text.replace(/%20/g, '+')));
      }
    }
    case 'body-deepen':
      return b(Buffer.concat([Buffer.from('['.repeat(m.depth)), body, Buffer.from(']'.repeat(m.depth))]));
    case 'body-pad': {
      const target = ctx.maxBodySize + m.delta;
      return target <= body.length ? r : b(Buffer.concat([body, Buffer.alloc(target - body.length, 0x20)]));
    }
    case 'body-empty':
      return b(Buffer.alloc(0));
    case 'form-reorder':
      return b(Buffer.from(body.toString('latin1').split('&').reverse().join('&'), 'latin1'));
    case 'form-duplicate': {
      const pairs = body.toString('latin1').split('&');
      const i = index(m.at, pairs.length);
      pairs.splice(i, 0, pairs[i]!);
      return b(Buffer.from(pairs.join('&'), 'latin1'));
    }
    case 'header-drop':
      return r.headers.length === 0
        ? r
        : { ...r, headers: mapHeader(r.headers, index(m.at, r.headers.length), () => undefined) };
    case 'header-duplicate': {
      // A second Host is refused by any HTTP front end (RFC 9112 §3.2) before it reaches the function.
      const candidates = r.headers.filter(([n]) => n.toLowerCase() !== 'host');
      if (candidates.length === 0) return r;
      const [name, value] = candidates[index(m.at, candidates.length)]!;
      const other =
        value.length === 0
          ? 'x'
          : value.slice(0, index(m.pos, value.length)) +
            shifted(value[index(m.pos, value.length)]!, 1) +
            value.slice(index(m.pos, value.length) + 1);
      return { ...r, headers: [...r.headers, [name, m.same ? value : other]] };
    }
    case 'header-case':
      if (r.headers.length === 0) return r;
      return {
        ...r,
        headers: mapHeader(r.headers, index(m.at, r.headers.length), ([n, v]) => [
          m.style === 'upper' ? n.toUpperCase() : m.style === 'lower' ? n.toLowerCase() : alternate(n),
          v,
        ]),
      };
    case 'header-whitespace':
      if (r.headers.length === 0) return r;
      return {
        ...r,
        headers: mapHeader(r.headers, index(m.at, r.headers.length), ([n, v]) => [
          n,
          `${m.where !== 'trail' ? m.pad : ''}${v}${m.where !== 'lead' ? m.pad : ''}`,
        ]),
      };
    case 'header-flip':
      if (r.headers.length === 0) return r;
      return {
        ...r,
        headers: mapHeader(r.headers, index(m.at, r.headers.length), ([n, v]) => {
          if (v.length === 0) return [n, m.char];
          const i = index(m.pos, v.length);
          return [n, v.slice(0, i) + (v[i] === m.char ? shifted(m.char, 1) : m.char) + v.slice(i + 1)];
        }),
      };
    case 'header-empty':
      return r.headers.length === 0
        ? r
        : { ...r, headers: mapHeader(r.headers, index(m.at, r.headers.length), ([n]) => [n, '']) };
    case 'header-add':
      return { ...r, headers: [...r.headers, [m.name, m.value]] };
    case 'header-set': {
      const rest = r.headers.filter(([n]) => n.toLowerCase() !== m.name.toLowerCase());
      return { ...r, headers: [...rest, [m.name, m.value]] };
    }
    case 'sig-flip':
    case 'sig-case':
    case 'sig-truncate':
    case 'sig-append': {
      const targets = signatureIndices(ctx.profile, r.headers);
      if (targets.length === 0) return r;
      return {
        ...r,
        headers: mapHeader(r.headers, targets[index(m.at, targets.length)]!, ([n, v]) => {
          if (m.kind === 'sig-case') return [n, v === v.toLowerCase() ? v.toUpperCase() : v.toLowerCase()];
          if (m.kind === 'sig-truncate') return [n, v.slice(0, -1)];
          if (m.kind === 'sig-append') return [n, v + m.text];
          // The end of the value, where the signature (not its `sha256=` / `t=…,` prefix) usually is.
          const i = v.length - 1 - index(m.pos, Math.min(v.length, 24));
          return [n, v.slice(0, i) + shifted(v[i]!, m.step) + v.slice(i + 1)];
        }),
      };
    }
    case 'sig-wrong-key':
      return ctx.wrongKey();
    case 'timestamp-shift': {
      const [s, shiftedSeconds] = [String(ctx.seconds), String(ctx.seconds + m.delta)];
      const [ms, shiftedMs] = [String(ctx.ms), String(ctx.ms + m.delta * 1000)];
      return {
        ...r,
        headers: r.headers.map(([n, v]) => [n, v.split(s).join(shiftedSeconds)]),
        body: replaceAll(body, ms, shiftedMs),
      };
    }
    case 'query-add':
      return { ...r, query: [...r.query, [m.name, m.value]] };
    case 'query-drop':
      return r.query.length === 0
        ? r
        : { ...r, query: mapHeader(r.query, index(m.at, r.query.length), () => undefined) };
    case 'query-duplicate': {
      if (r.query.length === 0) return r;
      const [name, value] = r.query[index(m.at, r.query.length)]!;
      return { ...r, query: [...r.query, [name, m.same ? value : `${value}x`]] };
    }
    case 'query-flip':
      if (r.query.length === 0) return r;
      return {
        ...r,
        query: mapHeader(r.query, index(m.at, r.query.length), ([n, v]) => {
          if (v.length === 0) return [n, 'x'];
          const i = index(m.pos, v.length);
          return [n, v.slice(0, i) + shifted(v[i]!, 1) + v.slice(i + 1)];
        }),
      };
    case 'base64-off':
      return { ...r, base64: false };
    case 'content-type': {
      const headers = r.headers.filter(([n]) => n.toLowerCase() !== 'content-type');
      return { ...r, headers: m.to === null ? headers : [[`Content-Type`, m.to], ...headers] };
    }
    case 'host': {
      const to = {
        upper: API_HOST.toUpperCase(),
        'port-443': `${API_HOST}:443`,
        'port-8443': `${API_HOST}:8443`,
        other: 'evil.example.com',
      }[m.to];
      return { ...r, headers: [['Host', to], ...r.headers.filter(([n]) => n.toLowerCase() !== 'host')] };
    }
    case 'method':
      return { ...r, method: m.to };
  }
}
