/* global process, performance */
// One cold start, in a fresh Node process: optionally import the AWS SDK clients first and warm them
// with one call each (timed apart: the modules the SDK loads lazily at a first send, credentials and the
// HTTP handler, are the SDK's cost too), then import the handler bundle and answer one event. Prints
// one JSON line marked `coldStart`.
// Usage: node [--enable-source-maps] cold-start-child.mjs BUNDLE EVENT_FILE [SDK_PACKAGES|-]
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const [bundle, eventFile, preload = '-'] = process.argv.slice(2);
const event = JSON.parse(readFileSync(eventFile, 'utf8'));

let sdkMs = 0;
if (preload !== '-') {
  const started = performance.now();
  for (const name of preload.split(',')) {
    const sdk = await import(name);
    const Client = Object.entries(sdk).find(([key]) => key.endsWith('Client') && key !== 'Client')?.[1];
    const List = Object.entries(sdk).find(([key]) => /^List\w+Command$/.test(key))?.[1];
    if (Client && List) {
      const client = new Client({});
      // The stub server refuses some of these: only the SDK's own work matters here.
      await client.send(new List({})).catch(() => undefined);
      client.destroy();
    }
  }
  sdkMs = performance.now() - started;
}
const started = performance.now();
const mod = await import(pathToFileURL(bundle).href);
const imported = performance.now();
const result = await mod.handler(event, {});
const answered = performance.now();
process.stdout.write(
  `${JSON.stringify({ coldStart: true, sdkMs, importMs: imported - started, firstRequestMs: answered - imported, sinceProcessStartMs: answered, result })}\n`,
);
process.exit(0);
