import type { HttpHeaders } from './headers';
import { parseJsonWithBound } from './json';

/**
 * An inbound webhook request as the sender sent it: the raw body bytes (never re-serialized),
 * the URL the sender signed, and the headers.
 */
export class InboundRequest {
  readonly method: string;
  /** Full URL, query string included, as the sender addressed (and signed) it. */
  readonly url: string;
  readonly headers: HttpHeaders;
  readonly body: Buffer;
  private textCache?: string;
  private jsonCache?: { value: unknown; stringifiedBytesAtMost: number } | { error: unknown };

  constructor(init: { method: string; url: string; headers: HttpHeaders; body: Uint8Array | string }) {
    this.method = init.method.toUpperCase();
    this.url = init.url;
    this.headers = init.headers;
    this.body =
      typeof init.body === 'string'
        ? Buffer.from(init.body, 'utf8')
        : Buffer.isBuffer(init.body)
          ? init.body
          : Buffer.from(init.body.buffer, init.body.byteOffset, init.body.byteLength);
  }

  /**
   * The body decoded as UTF-8, without a leading byte order mark (RFC 8259 §8.1 lets a JSON parser
   * ignore one), so every reader of the body sees the same text. Signatures cover `body`, BOM included.
   */
  get text(): string {
    if (this.textCache === undefined) {
      const text = this.body.toString('utf8');
      this.textCache = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
    }
    return this.textCache;
  }

  /**
   * The body parsed as JSON, once; throws the parse error on every call when it is not JSON, and
   * JsonTooDeepError when it nests deeper than MAX_JSON_DEPTH.
   */
  json(): unknown {
    if (this.jsonCache === undefined) {
      try {
        this.jsonCache = parseJsonWithBound(this.text);
      } catch (error) {
        this.jsonCache = { error };
      }
    }
    if ('error' in this.jsonCache) throw this.jsonCache.error;
    return this.jsonCache.value;
  }

  /**
   * When `value` is the body parsed as JSON (the very object json() returned), a bound on the UTF-8
   * length of `JSON.stringify(value)` (parseJsonWithBound); else undefined.
   */
  stringifiedJsonBytesAtMost(value: unknown): number | undefined {
    const cache = this.jsonCache;
    return cache !== undefined && 'value' in cache && cache.value === value ? cache.stringifiedBytesAtMost : undefined;
  }

  /** The body as JSON, or undefined when it is not a JSON object. */
  jsonObject(): Record<string, unknown> | undefined {
    try {
      const value = this.json();
      return value !== null && typeof value === 'object' && !Array.isArray(value)
        ? (value as Record<string, unknown>)
        : undefined;
    } catch {
      return undefined;
    }
  }

  /** Query-string parameters of the URL (first value of each). */
  get query(): Record<string, string> {
    const out: Record<string, string> = {};
    const q = this.url.indexOf('?');
    if (q < 0) return out;
    for (const [k, v] of new URLSearchParams(this.url.slice(q + 1))) if (!(k in out)) out[k] = v;
    return out;
  }

  /** Media type without parameters, lower-cased, e.g. `application/json`. */
  get mediaType(): string {
    return (this.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  }
}
