import { describe, expect, it } from 'vitest';
import { parseBody } from '../../lambdas/core/body';
import { MAX_JSON_DEPTH } from '../../lambdas/core/http/json';
import { inbound } from '../helpers/verify';
import { githubExample } from './fixtures/github';

const parse = (body: string | Uint8Array, contentType?: string) =>
  parseBody(inbound({ body, headers: contentType === undefined ? {} : { 'Content-Type': contentType } }));

describe('parseBody', () => {
  it('parses JSON for application/json and +json media types', () => {
    const star = githubExample('star', 'created');
    expect(parse(JSON.stringify(star), 'application/json')).toEqual({ ok: true, input: star, format: 'json' });
    expect(parse('{"a":1}', 'application/vnd.github+json; charset=utf-8')).toMatchObject({ input: { a: 1 } });
    expect(parse('{"a":1}', 'application/cloudevents+json')).toMatchObject({ input: { a: 1 } });
  });

  it('keeps a JSON array body as an array (SendGrid)', () => {
    const events = [
      { event: 'processed', sg_event_id: 'a' },
      { event: 'bounce', sg_event_id: 'b' },
    ];
    expect(parse(`${JSON.stringify(events)}\r\n`, 'application/json')).toEqual({
      ok: true,
      input: events,
      format: 'json',
    });
  });

  it('ignores a UTF-8 byte order mark before JSON, a form, or a typeless JSON body', () => {
    expect(parse('\uFEFF{"a":1}', 'application/json')).toMatchObject({ ok: true, input: { a: 1 } });
    expect(parse('\uFEFFa=1&b=2', 'application/x-www-form-urlencoded')).toEqual({
      ok: true,
      input: { a: '1', b: '2' },
      format: 'form',
    });
    expect(parse('\uFEFF{"a":1}')).toMatchObject({ ok: true, input: { a: 1 }, format: 'json' });
    // Only a leading one: a BOM elsewhere is content.
    expect(parse('{"a":"\uFEFF"}', 'application/json')).toMatchObject({ ok: true, input: { a: '\uFEFF' } });
  });

  it('is {} for an empty body, whatever the content type', () => {
    expect(parse('', 'application/json')).toEqual({ ok: true, input: {}, format: 'empty' });
    expect(parse('')).toEqual({ ok: true, input: {}, format: 'empty' });
    expect(parse('', 'text/plain')).toEqual({ ok: true, input: {}, format: 'empty' });
  });

  it('fails if JSON is malformed, with 400 and no body content in the detail', () => {
    const result = parse('{"secret":"s3cr3t",', 'application/json');
    expect(result).toMatchObject({ ok: false, status: 400, reason: 'malformed_json' });
    expect(JSON.stringify(result)).not.toContain('s3cr3t');
  });

  it(`accepts JSON nested ${MAX_JSON_DEPTH} levels deep and refuses ${MAX_JSON_DEPTH + 1} with 400 body_too_deep`, () => {
    const nested = (depth: number) => '{"a":['.repeat(depth / 2) + '1' + ']}'.repeat(depth / 2);
    expect(parse(nested(MAX_JSON_DEPTH), 'application/json')).toMatchObject({ ok: true, format: 'json' });
    const arrays = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
    expect(parse(arrays(MAX_JSON_DEPTH), 'application/json')).toMatchObject({ ok: true });
    const refused = {
      ok: false,
      status: 400,
      reason: 'body_too_deep',
      detail: `body nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels`,
    };
    expect(parse(arrays(MAX_JSON_DEPTH + 1), 'application/json')).toEqual(refused);
    expect(parse(`{"x":${nested(MAX_JSON_DEPTH)}}`, 'application/json')).toEqual(refused);
    // Far deeper than JSON.stringify can serialize (it overflows the stack a few thousand levels deep).
    expect(parse(arrays(100_000), 'application/json')).toEqual(refused);
    expect(parse(arrays(100_000))).toEqual(refused);
    expect(parse(`\uFEFF${arrays(MAX_JSON_DEPTH + 1)}`, 'application/json')).toEqual(refused);
  });

  it('does not count brackets inside strings, escaped quotes included', () => {
    const brackets = '['.repeat(1000);
    const body = JSON.stringify({ a: brackets, b: `\\"${brackets}`, c: ['\\', '"{'.repeat(500)] });
    expect(parse(body, 'application/json')).toMatchObject({ ok: true, input: { a: brackets } });
  });

  it('parses form fields, repeated fields as a list', () => {
    const body = 'Body=Hello+world%21&From=%2B14155551234&MediaUrl=a&MediaUrl=b&Empty=&Flag';
    expect(parse(body, 'application/x-www-form-urlencoded')).toEqual({
      ok: true,
      format: 'form',
      input: { Body: 'Hello world!', From: '+14155551234', MediaUrl: ['a', 'b'], Empty: '', Flag: '' },
    });
  });

  it("decodes a form's payload= JSON (GitHub's form content type, Slack interactivity)", () => {
    const push = githubExample('push');
    const body = new URLSearchParams({ payload: JSON.stringify(push) }).toString();
    expect(parse(body, 'application/x-www-form-urlencoded')).toEqual({ ok: true, input: push, format: 'form' });
  });

  it(`refuses a form whose payload JSON nests deeper than ${MAX_JSON_DEPTH} levels`, () => {
    const payload = (depth: number) => `{"type":"block_actions","a":${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}}`;
    const form = (depth: number) => new URLSearchParams({ payload: payload(depth) }).toString();
    expect(parse(form(MAX_JSON_DEPTH), 'application/x-www-form-urlencoded')).toMatchObject({
      ok: true,
      input: { type: 'block_actions' },
    });
    expect(parse(form(MAX_JSON_DEPTH + 1), 'application/x-www-form-urlencoded')).toEqual({
      ok: false,
      status: 400,
      reason: 'body_too_deep',
      detail: `form field payload nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels`,
    });
  });

  it('keeps a payload field that is not a JSON object as a string', () => {
    expect(parse('payload=hello', 'application/x-www-form-urlencoded')).toMatchObject({ input: { payload: 'hello' } });
  });

  it('keeps a form field named __proto__ as a plain field', () => {
    const result = parse('__proto__=x&a=1', 'application/x-www-form-urlencoded');
    expect(result.ok && Object.getPrototypeOf(result.input)).toBe(Object.prototype);
    expect(result.ok && Object.keys(result.input as object)).toEqual(['__proto__', 'a']);
  });

  it('fails if a form has a malformed percent-encoding', () => {
    expect(parse('a=%E0%A4%A', 'application/x-www-form-urlencoded')).toMatchObject({
      ok: false,
      status: 400,
      reason: 'malformed_form',
    });
  });

  it('sniffs JSON when there is no Content-Type, and refuses anything else with 415', () => {
    expect(parse('{"a":1}')).toMatchObject({ ok: true, input: { a: 1 }, format: 'json' });
    expect(parse('a=1')).toMatchObject({ ok: false, status: 415, reason: 'unsupported_media_type' });
  });

  it('fails with 415 for other media types and charsets', () => {
    expect(parse('<xml/>', 'application/xml')).toMatchObject({ ok: false, status: 415 });
    expect(parse('{"a":1}', 'text/plain')).toMatchObject({ ok: false, status: 415 });
    expect(parse('{"a":1}', 'application/json; charset=iso-8859-1')).toMatchObject({ ok: false, status: 415 });
  });
});
