import fc from 'fast-check';
import { MAX_JSON_DEPTH } from '../../lambdas/core/http/json';
import type { Payload, Profile } from '../support/schemes';

/**
 * The body a validly signed request starts from: the provider's typical payload, or one at the
 * edges the gateway must handle without a 5xx (deep nesting, sizes around maxBodySize, Unicode,
 * empty, a top-level array), or one of the provider's handshakes.
 */
export type Shape =
  | { readonly kind: 'plain' | 'unicode' | 'array' | 'empty' }
  | { readonly kind: 'deep'; readonly depth: number }
  | { readonly kind: 'size'; readonly delta: number }
  | { readonly kind: 'handshake'; readonly which: number };

export const shapeArb: fc.Arbitrary<Shape> = fc.oneof(
  { weight: 8, arbitrary: fc.constant({ kind: 'plain' as const }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom({ kind: 'unicode' as const }, { kind: 'array' as const }, { kind: 'empty' as const }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('deep' as const), depth: fc.constantFrom(50, 254, 255, 256, 300, 5000) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('size' as const), delta: fc.constantFrom(-1, 0, 1) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('handshake' as const), which: fc.nat(3) }) },
);

/** What the original request must get: any 2xx, a handshake's 200, 413, some 4xx, or anything but a 5xx. */
export type Expectation = '2xx' | '200' | '413' | '4xx' | 'no-5xx';

export interface ShapedBody {
  readonly payload?: Payload;
  readonly body?: Buffer;
  readonly expect: Expectation;
}

const UNICODE = 'Grüße ✓ \u2028 😀 \u0000 "quoted" \\ back';
const MARK = '\u0001deep\u0001';

/** JSON text with MARK replaced by `depth` nested arrays (built as text: JSON.stringify would overflow). */
function deepJson(value: unknown, depth: number): string {
  return JSON.stringify(value).replace(JSON.stringify(MARK), '['.repeat(depth) + ']'.repeat(depth));
}

function withField(json: unknown, name: string, value: unknown): unknown {
  return Array.isArray(json)
    ? [...json, value]
    : typeof json === 'object' && json !== null
      ? { ...json, [name]: value }
      : [json, value];
}

/** Pads `build(k)` (k filler characters) to exactly `target` bytes; undefined when already larger. */
function padded(target: number, build: (k: number) => string): Buffer | undefined {
  const k = target - Buffer.byteLength(build(0));
  return k < 0 ? undefined : Buffer.from(build(k));
}

export function shapeBody(profile: Profile, shape: Shape, nonce: string, now: Date, maxBodySize: number): ShapedBody {
  const payload = profile.payload(nonce, now);
  // Linear's signer re-serializes the JSON (to set webhookTimestamp), and JSON.stringify recurses.
  const maxDepth = profile.name === 'linear' ? 1000 : Infinity;
  const depthExpectation = (depth: number): Expectation => (depth + 1 <= MAX_JSON_DEPTH ? '2xx' : '4xx');
  switch (shape.kind) {
    case 'plain':
    case 'array':
      if (shape.kind === 'array' && 'json' in payload) return { payload: { json: [payload.json] }, expect: '2xx' };
      return { payload, expect: '2xx' };
    case 'unicode':
      return 'json' in payload
        ? { payload: { json: withField(payload.json, 'note', `${UNICODE} \ud800`) }, expect: '2xx' }
        : { payload: { form: [...payload.form, ['Text', UNICODE]] }, expect: '2xx' };
    case 'empty':
      return profile.name === 'linear' ? { payload, expect: '2xx' } : { body: Buffer.alloc(0), expect: 'no-5xx' };
    case 'deep': {
      const depth = Math.min(shape.depth, maxDepth);
      if ('json' in payload)
        return {
          body: Buffer.from(deepJson(withField(payload.json, 'deep', MARK), depth)),
          expect: depthExpectation(depth),
        };
      const form = payload.form.map(
        ([k, v]) => [k, k === 'payload' ? deepJson(withField(JSON.parse(v), 'deep', MARK), depth) : v] as const,
      );
      const nested = payload.form.some(([k]) => k === 'payload');
      const fields = nested ? form : [...form, ['Deep', '['.repeat(depth) + ']'.repeat(depth)] as const];
      // A nested-array text in a plain form field is just text (percent-encoded, it may pass maxBodySize).
      return { payload: { form: fields }, expect: nested ? depthExpectation(depth) : 'no-5xx' };
    }
    case 'size': {
      const target = maxBodySize + shape.delta;
      const expect: Expectation = shape.delta > 0 ? '413' : '2xx';
      const body =
        'json' in payload
          ? padded(target, (k) => JSON.stringify(withField(payload.json, 'pad', 'x'.repeat(k))))
          : padded(target, (k) =>
              [...payload.form, ['Pad', 'x'.repeat(k)] as const]
                .map(([n, v]) => `${encodeURIComponent(n)}=${encodeURIComponent(v)}`)
                .join('&'),
            );
      return body ? { body, expect } : { payload, expect: '2xx' };
    }
    case 'handshake': {
      const handshakes = Object.values(profile.handshakes ?? {});
      if (handshakes.length === 0) return { payload, expect: '2xx' };
      return { payload: handshakes[shape.which % handshakes.length]!(nonce, now), expect: '200' };
    }
  }
}
