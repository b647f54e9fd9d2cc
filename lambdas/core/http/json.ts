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

/**
 * Whether arrays and objects in JSON text nest deeper than `limit`: one pass over the text, no
 * recursion, strings skipped with indexOf. Exact for valid JSON; for invalid JSON the answer does
 * not matter, since JSON.parse refuses it anyway.
 */
export function jsonNestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  const length = text.length;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      // The closing quote is the next one not escaped by an odd run of backslashes.
      for (;;) {
        i = text.indexOf('"', i + 1);
        if (i < 0) return false;
        let b = i - 1;
        while (text.charCodeAt(b) === BACKSLASH) b--;
        if ((i - b) % 2 === 1) break;
      }
    } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      if (++depth > limit) return true;
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) {
      depth--;
    }
  }
  return false;
}

/** JSON.parse, refusing nesting deeper than MAX_JSON_DEPTH with JsonTooDeepError before parsing. */
export function parseBoundedJson(text: string): unknown {
  if (jsonNestsDeeperThan(text, MAX_JSON_DEPTH)) throw new JsonTooDeepError(MAX_JSON_DEPTH);
  return JSON.parse(text);
}
