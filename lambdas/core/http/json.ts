/**
 * The deepest nesting of arrays and objects a body may have. Provider payloads nest a few dozen
 * levels at most; V8's recursive JSON.stringify (the queue message, the workflow input) overflows
 * the stack a few thousand levels deep (about 4,000 on Node 20), which an 8 KB body reaches.
 */
export const MAX_JSON_DEPTH = 256;

/** JSON text nests arrays and objects deeper than the limit: refused before it is parsed. */
export class JsonTooDeepError extends Error {
  constructor(readonly limit: number) {
    super(`JSON nests arrays and objects deeper than ${limit} levels`);
    this.name = 'JsonTooDeepError';
  }
}

const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const QUOTE = 0x22;
const LOWER_E = 0x65;
const UPPER_E = 0x45;

/**
 * One pass over JSON text, no recursion, strings skipped with indexOf: -1 when arrays and objects
 * nest deeper than `limit`, else how many number literals carry an exponent (`1e20`). Exact for
 * valid JSON; for invalid JSON the answer does not matter, since JSON.parse refuses it anyway.
 */
function scanJson(text: string, limit: number): number {
  let depth = 0;
  let exponents = 0;
  const length = text.length;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      // The closing quote is the next one not escaped by an odd run of backslashes.
      for (;;) {
        i = text.indexOf('"', i + 1);
        if (i < 0) return exponents;
        let b = i - 1;
        while (text.charCodeAt(b) === BACKSLASH) b--;
        if ((i - b) % 2 === 1) break;
      }
    } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      if (++depth > limit) return -1;
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) {
      depth--;
    } else if ((c === LOWER_E || c === UPPER_E) && isDigit(text.charCodeAt(i - 1))) {
      // Outside strings, an e after a digit is an exponent (the e of true and false follows a letter).
      exponents++;
    }
  }
  return exponents;
}

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;

/** Whether arrays and objects in JSON text nest deeper than `limit` (exact for valid JSON). */
export function jsonNestsDeeperThan(text: string, limit: number): boolean {
  return scanJson(text, limit) < 0;
}

/** JSON.parse, refusing nesting deeper than MAX_JSON_DEPTH with JsonTooDeepError before parsing. */
export function parseBoundedJson(text: string): unknown {
  return parseJsonWithBound(text).value;
}

/**
 * parseBoundedJson, with a bound on the UTF-8 length of `JSON.stringify(value)`, from the same pass:
 * JSON.stringify never writes a string or a key longer than the text did (an escape becomes its
 * character or stays as short; raw characters stay raw, the text holding no lone surrogate when
 * decoded from bytes, and an escaped one stays `\ud800`…`\udfff`, six bytes), drops whitespace and repeated keys, and
 * writes a number without exponent at most one character longer (digits rounded up to the next
 * power of ten, `99999999999999999` → `100000000000000000`, at least 17 characters each) and one
 * with an exponent (`1e20`, 4 characters) at most 24 characters long. Hence at most
 * `bytes + ceil(bytes / 17) + 21 × exponents`; test/http/json-bound.test.ts checks it. The exponents
 * are counted by the depth scan, or taken as `ceil(bytes / 3)` for a short text the scan skips.
 */
export function parseJsonWithBound(text: string): { value: unknown; stringifiedBytesAtMost: number } {
  const bytes = Buffer.byteLength(text);
  // A short text with few brackets needs no scan: it cannot nest deeper than it has brackets, and it
  // holds at most one exponent per 3 bytes (`1e5`), which keeps the bound under 9 × bytes.
  const exponents =
    bytes <= UNSCANNED_TEXT_BYTES && openingsAtMost(text, MAX_JSON_DEPTH)
      ? Math.ceil(bytes / 3)
      : scanJson(text, MAX_JSON_DEPTH);
  if (exponents < 0) throw new JsonTooDeepError(MAX_JSON_DEPTH);
  const value = JSON.parse(text) as unknown;
  return { value, stringifiedBytesAtMost: bytes + Math.ceil(bytes / 17) + 21 * exponents };
}

/**
 * Texts up to this size are bounded without the scan: their bound (at most 129 KiB) stays below the
 * limits it is compared with (a workflow input inlined in a queue message, 248 KiB), and scanning
 * would cost more than parsing them.
 */
const UNSCANNED_TEXT_BYTES = 16 * 1024;

/** Whether the text holds at most `limit` `[` and `{` in all, strings included. */
function openingsAtMost(text: string, limit: number): boolean {
  let count = 0;
  for (let i = text.indexOf('{'); i >= 0; i = text.indexOf('{', i + 1)) if (++count > limit) return false;
  for (let i = text.indexOf('['); i >= 0; i = text.indexOf('[', i + 1)) if (++count > limit) return false;
  return true;
}

/** Strings JSON.stringify writes as they are, one byte per character: printable ASCII but `"` and `\`. */
const PLAIN_ASCII = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/**
 * `Buffer.byteLength(JSON.stringify(value))`, counted without building the text: the size check of
 * a workflow input runs on every delivery, and the text is built later, once, by whoever sends it.
 * Undefined where JSON.stringify returns undefined (undefined, a function, a symbol); throws where
 * it throws (a BigInt, a cycle: here a RangeError, the stack overflowing). Objects other than plain
 * ones and arrays without `toJSON` (boxed primitives, Maps, class instances) are measured by
 * JSON.stringify itself.
 */
export function jsonByteLength(value: unknown): number | undefined {
  const size = valueSize(value, '', true);
  return size < 0 ? undefined : size;
}

/**
 * An upper bound on jsonByteLength(value), found faster: each string counts 6 bytes per UTF-16 code
 * unit (a `\u` escape, the most any one unit takes) without being read.
 */
export function jsonByteLengthAtMost(value: unknown): number | undefined {
  const size = valueSize(value, '', false);
  return size < 0 ? undefined : size;
}

/** Bytes of the JSON text of `value` as a property named `key` (at most, unless `exact`); -1 when JSON.stringify omits it. */
function valueSize(value: unknown, key: string, exact: boolean): number {
  switch (typeof value) {
    case 'string':
      return exact ? stringSize(value) : 6 * value.length + 2;
    case 'number':
      return Number.isFinite(value) ? String(value).length : 4; // NaN and ±Infinity: null
    case 'boolean':
      return value ? 4 : 5;
    case 'bigint':
      throw new TypeError('Do not know how to serialize a BigInt');
    case 'object':
      return value === null ? 4 : objectSize(value, key, exact);
    default:
      return -1; // undefined, function, symbol
  }
}

function objectSize(value: object, key: string, exact: boolean): number {
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return valueSize(toJSON.call(value, key), key, exact);
  if (Array.isArray(value)) {
    let size = value.length > 1 ? value.length + 1 : 2; // brackets and commas
    for (let i = 0; i < value.length; i++) {
      const item = valueSize(value[i], String(i), exact);
      size += item < 0 ? 4 : item; // an omitted item is null
    }
    return size;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) {
    const text = JSON.stringify(value) as string | undefined;
    return text === undefined ? -1 : Buffer.byteLength(text);
  }
  let size = 2;
  let members = 0;
  for (const name in value) {
    if (!Object.hasOwn(value, name)) continue;
    const member = valueSize((value as Record<string, unknown>)[name], name, exact);
    if (member < 0) continue;
    size += (exact ? stringSize(name) : 6 * name.length + 2) + 1 + member;
    members++;
  }
  return members > 1 ? size + members - 1 : size;
}

/** Bytes of a JSON string literal: quotes, escapes, UTF-8; a lone surrogate is escaped (`\ud800`…`\udfff`, six bytes). */
function stringSize(text: string): number {
  if (PLAIN_ASCII.test(text)) return text.length + 2;
  let size = 2;
  const length = text.length;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) {
      if (c === QUOTE || c === BACKSLASH || c === 0x08 || c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d)
        size += 2;
      else size += c < 0x20 ? 6 : 1;
    } else if (c < 0x800) {
      size += 2;
    } else if (c >= 0xd800 && c <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        size += 4;
        i++;
      } else size += 6;
    } else size += c >= 0xdc00 && c <= 0xdfff ? 6 : 3;
  }
  return size;
}
