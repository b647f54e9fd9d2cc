import { parseBody } from '../lambdas/core/body';
import { HttpHeaders } from '../lambdas/core/http/headers';
import { jsonNestsDeeperThan, MAX_JSON_DEPTH } from '../lambdas/core/http/json';
import { InboundRequest } from '../lambdas/core/http/request';
import { githubExample } from '../test/events/fixtures/github';
import type { Benchmark } from './suites/micro';

// What the nesting cap adds to parsing a body: the linear scan next to JSON.parse itself, on a
// realistic (~7 KB) GitHub push and a 1 MB array of them.
const push = JSON.stringify(githubExample('push'));
const large = JSON.stringify(Array.from({ length: 150 }, () => githubExample('push')));
const headers = HttpHeaders.from({ 'content-type': 'application/json' });
const kb = (text: string) => `${Math.round(text.length / 1024)} KB`;

// A fresh request over the raw bytes each time, as the handler builds it: its caches must not carry over.
const parse = (text: string) => {
  const body = Buffer.from(text);
  return () => parseBody(new InboundRequest({ method: 'POST', url: 'https://x/v1/webhooks/w', headers, body }));
};

export const benchmarks: Benchmark[] = [
  { name: `JSON.parse (${kb(push)})`, fn: () => JSON.parse(push) },
  { name: `nesting scan (${kb(push)})`, fn: () => jsonNestsDeeperThan(push, MAX_JSON_DEPTH) },
  { name: `parseBody, json (${kb(push)})`, fn: parse(push) },
  { name: `JSON.parse (${kb(large)})`, fn: () => JSON.parse(large) },
  { name: `nesting scan (${kb(large)})`, fn: () => jsonNestsDeeperThan(large, MAX_JSON_DEPTH) },
];
