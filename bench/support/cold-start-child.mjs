/* global process, performance */
// One cold start, in a fresh Node process: optionally import the AWS SDK clients first and warm them
// with one call each (timed apart: the modules the SDK loads lazily at a first send, credentials and the
// HTTP handler, are the SDK's cost too), then import the handler bundle and answer one event. Prints
// one JSON line marked `coldStart`.
//
// With the SDK preloaded, every client's send() is timed too: `sdkInRequestMs` is the time during the
// first request when at least one SDK call was pending (the handler's own clients still resolve their
// endpoint and credentials and open their first connection at their first call; then the round trip
// to the local servers), and `sdkConstructMs` what constructing the clients costs (the bundle does it
// at module scope). `ownMs` is the rest of import + first request: the handler's own work.
// Usage: node [--enable-source-maps] cold-start-child.mjs BUNDLE EVENT_FILE [SDK_PACKAGES|-]
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const [bundle, eventFile, preload = '-'] = process.argv.slice(2);
const event = JSON.parse(readFileSync(eventFile, 'utf8'));

// Time with at least one SDK call pending: the union of the calls' intervals, concurrent ones counted once.
let pending = 0;
let since = 0;
let sdkPendingMs = 0;
const enter = () => {
  if (pending++ === 0) since = performance.now();
};
const leave = () => {
  if (--pending === 0) sdkPendingMs += performance.now() - since;
};
/** Wraps the send() of a client class (its own property: the base class is shared by every client). */
function timeSends(Client) {
  const send = Client.prototype.send;
  Object.defineProperty(Client.prototype, 'send', {
    configurable: true,
    writable: true,
    value: function timedSend(...args) {
      enter();
      let result;
      try {
        result = send.apply(this, args);
      } catch (error) {
        leave();
        throw error;
      }
      if (result && typeof result.then === 'function') result.then(leave, leave);
      else leave();
      return result;
    },
  });
}

let sdkMs = 0;
const clients = [];
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
      timeSends(Client);
      clients.push(Client);
    }
  }
  sdkMs = performance.now() - started;
}
const started = performance.now();
const mod = await import(pathToFileURL(bundle).href);
const imported = performance.now();
const sdkDuringImport = sdkPendingMs;
const result = await mod.handler(event, {});
const answered = performance.now();
const sdkInRequestMs = sdkPendingMs - sdkDuringImport;
// The bundle constructs its clients at module scope, which is the SDK's work too; it is timed here,
// after the fact, as one more construction of each class (warm by now: if anything an underestimate).
const constructing = performance.now();
for (const Client of clients) new Client({}).destroy();
const sdkConstructMs = performance.now() - constructing;
process.stdout.write(
  `${JSON.stringify({
    coldStart: true,
    sdkMs,
    importMs: imported - started,
    firstRequestMs: answered - imported,
    sdkInRequestMs,
    sdkConstructMs,
    ownMs: answered - started - sdkPendingMs - sdkConstructMs,
    sinceProcessStartMs: answered,
    result,
  })}\n`,
);
process.exit(0);
