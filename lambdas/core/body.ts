import { JsonTooDeepError, MAX_JSON_DEPTH, parseBoundedJson } from './http/json';
import type { InboundRequest } from './http/request';

export type BodyFormat = 'json' | 'form' | 'empty';

export interface ParsedBody {
  readonly ok: true;
  /** What CEL sees as `input`. */
  readonly input: unknown;
  readonly format: BodyFormat;
}

export type BodyRejectReason = 'malformed_json' | 'malformed_form' | 'body_too_deep' | 'unsupported_media_type';

export interface BodyRejection {
  readonly ok: false;
  readonly status: 400 | 415;
  readonly reason: BodyRejectReason;
  /** For the log and the sender: never contains body content. */
  readonly detail: string;
}

export type BodyParseResult = ParsedBody | BodyRejection;

const FORM = 'application/x-www-form-urlencoded';
const UTF8_CHARSETS = new Set(['utf-8', 'utf8', 'us-ascii']);
const CHARSET = /;\s*charset\s*=\s*"?([^";\s]+)/i;

/**
 * Parses a verified request body into CEL's `input`:
 * - a zero-length body is `{}` (whatever the content type), so `has(input.x)` and staticPayload work;
 * - `application/json` and any `+json` type: the JSON value as it is (an array stays an array);
 * - `application/x-www-form-urlencoded`: an object of fields; a field sent several times is a list
 *   of its values in order; a form carrying a `payload` field with a JSON object (Slack
 *   interactivity, GitHub's form content type) is that object, as Slack's Bolt does;
 * - no Content-Type: JSON when the body parses as JSON, else 415;
 * - anything else, or a charset other than UTF-8: 415.
 * A leading UTF-8 byte order mark is ignored (InboundRequest.text); JSON, the body's or a form's
 * `payload`, nesting arrays and objects deeper than MAX_JSON_DEPTH is refused (400 body_too_deep).
 */
export function parseBody(request: InboundRequest): BodyParseResult {
  if (request.body.length === 0) return { ok: true, input: {}, format: 'empty' };

  const contentType = request.headers.get('content-type') ?? '';
  const parameters = contentType.indexOf(';');
  const charset = parameters < 0 ? undefined : CHARSET.exec(contentType)?.[1]?.toLowerCase();
  if (charset !== undefined && !UTF8_CHARSETS.has(charset)) {
    return unsupported(`charset ${charset} is not supported; send UTF-8`);
  }

  const mediaType = (parameters < 0 ? contentType : contentType.slice(0, parameters)).trim().toLowerCase();
  if (mediaType === 'application/json' || mediaType.endsWith('+json')) return parseJson(request);
  if (mediaType === FORM) return parseForm(request.text);
  if (mediaType === '') {
    const sniffed = parseJson(request);
    return sniffed.ok || sniffed.reason === 'body_too_deep'
      ? sniffed
      : unsupported(`no Content-Type and the body is not JSON; send ${FORM} or application/json`);
  }
  return unsupported(`Content-Type ${mediaType} is not supported; send application/json or ${FORM}`);
}

function parseJson(request: InboundRequest): BodyParseResult {
  try {
    // request.json() is memoized: a verifier that read the body's id already parsed it once.
    return { ok: true, input: request.json(), format: 'json' };
  } catch (error) {
    if (error instanceof JsonTooDeepError) return tooDeep('body');
    // V8's message quotes the body; keep only the position.
    const at = /position (\d+)/.exec((error as Error).message)?.[1];
    const detail = at === undefined ? 'body is not valid JSON' : `body is not valid JSON (position ${at})`;
    return { ok: false, status: 400, reason: 'malformed_json', detail };
  }
}

function parseForm(text: string): BodyParseResult {
  const fields = new Map<string, string[]>();
  for (const pair of text.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    let name: string;
    let value: string;
    try {
      name = decodeFormComponent(eq < 0 ? pair : pair.slice(0, eq));
      value = eq < 0 ? '' : decodeFormComponent(pair.slice(eq + 1));
    } catch {
      return {
        ok: false,
        status: 400,
        reason: 'malformed_form',
        detail: 'form field has a malformed percent-encoding',
      };
    }
    const values = fields.get(name);
    if (values) values.push(value);
    else fields.set(name, [value]);
  }

  const payload = fields.get('payload');
  const decoded = payload?.length === 1 ? payloadObject(payload[0]!) : undefined;
  if (decoded) return decoded;
  // fromEntries defines own properties, so a field named __proto__ stays a plain field.
  const input = Object.fromEntries(
    [...fields].map(([name, values]) => [name, values.length === 1 ? values[0] : values]),
  );
  return { ok: true, input, format: 'form' };
}

function decodeFormComponent(component: string): string {
  // Throws URIError on a bad %-escape or bytes that are not UTF-8.
  return decodeURIComponent(component.replaceAll('+', ' '));
}

/** The form's `payload` field as the input when it holds a JSON object; undefined otherwise. */
function payloadObject(text: string): BodyParseResult | undefined {
  let value: unknown;
  try {
    value = parseBoundedJson(text);
  } catch (error) {
    return error instanceof JsonTooDeepError ? tooDeep('form field payload') : undefined;
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? { ok: true, input: value, format: 'form' }
    : undefined;
}

function tooDeep(what: string): BodyRejection {
  const detail = `${what} nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels`;
  return { ok: false, status: 400, reason: 'body_too_deep', detail };
}

function unsupported(detail: string): BodyRejection {
  return { ok: false, status: 415, reason: 'unsupported_media_type', detail };
}
