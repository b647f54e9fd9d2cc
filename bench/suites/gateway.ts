// The local gateway (`webhook-gateway local`, a child process) under autocannon: a generic HMAC
// webhook, each request a new signed delivery, all the way to a started local execution. In both
// storage modes: the default (dynalite on LevelDB in the data folder) and `--in-memory`.
// Requests/s, p50 and p99 as autocannon sees them, the first delivery's latency, and how many
// executions actually started.
import { createHmac, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { App, Stack } from 'aws-cdk-lib';
import { WebhookGateway, WebhookSource } from '../../lib';
import { stateMachine } from '../../test/constructs/helpers';
import { startGateway } from '../../test/cli/support';
import type { Suite } from '../harness/suite';

const SECRET = 'bench-hmac-secret-0123456789';
const WEBHOOK = 'orders';

/** The cloud assembly of a one-webhook app: generic HMAC-SHA256 (hex) in `x-signature`, one route to a Pass workflow. */
function synthesizeApp(outdir: string): string {
  const app = new App({
    outdir,
    builtinCloudFormationValidation: false,
    context: { 'aws:cdk:bundling-stacks': [], 'aws:cdk:enable-asset-metadata': true },
  });
  const stack = new Stack(app, 'BenchGateway');
  const gateway = new WebhookGateway(stack, 'Hooks');
  gateway.addWebhook(WEBHOOK, {
    source: WebhookSource.hmac({ header: 'x-signature' }),
    eventKey: "'orders:' + input.type",
    // The stage's defaults (1000/s, burst 2000): the usage plan's throttle is not what is measured here.
    rateLimit: { rate: 1000, burst: 2000 },
  });
  gateway.route('orders:*', stateMachine(stack, 'Fulfil'), { webhook: WEBHOOK });
  return app.synth().directory;
}

/** A new delivery (new id), signed as the sender would sign it. */
function delivery(): { body: string; signature: string } {
  const body = JSON.stringify({ type: 'created', id: randomUUID(), amount: 1250, currency: 'eur' });
  return { body, signature: createHmac('sha256', SECRET).update(body).digest('hex') };
}

/** The storage modes measured: the default first (its results keep their names), then `--in-memory`. */
const MODES = [
  { args: [], prefix: 'local gateway', about: 'data folder (dynalite on LevelDB)' },
  { args: ['--in-memory'], prefix: 'local gateway --in-memory', about: 'in memory' },
] as const;

/** autocannon against the webhook: every request a new delivery (new id), signed as the sender would. */
function load(url: string, connections: number, seconds: number) {
  return autocannon({
    url,
    method: 'POST',
    connections,
    duration: seconds,
    requests: [
      {
        setupRequest: (request) => {
          const { body, signature } = delivery();
          return {
            ...request,
            body,
            headers: { ...request.headers, 'content-type': 'application/json', 'x-signature': signature },
          };
        },
      },
    ],
  });
}

export const gatewaySuite: Suite = {
  name: 'gateway',
  description: 'the local gateway under autocannon, data folder and --in-memory, to the started local execution',
  async run(ctx) {
    const dir = mkdtempSync(join(tmpdir(), 'bench-gateway-'));
    try {
      const assembly = synthesizeApp(join(dir, 'cdk.out'));
      const secretsFile = join(dir, 'secrets.json');
      writeFileSync(secretsFile, JSON.stringify({ [WEBHOOK]: SECRET }));
      for (const [i, mode] of MODES.entries()) {
        ctx.log(`  ${mode.about}:`);
        const gateway = await startGateway(
          ['--app', assembly, '--port', '0', '--json', '--secrets', secretsFile, ...mode.args],
          { stateDir: join(dir, `state-${i}`) },
        );
        try {
          await measure(ctx, gateway, mode);
        } finally {
          await gateway.stop();
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

async function measure(
  ctx: Parameters<Suite['run']>[0],
  gateway: Awaited<ReturnType<typeof startGateway>>,
  mode: (typeof MODES)[number],
): Promise<void> {
  const url = `${gateway.url}/webhooks/${WEBHOOK}`;
  const { prefix } = mode;
  // The first delivery loads what the first request needs and builds the workflow's state machine
  // (aws-local-stepfunctions validates its definition once): reported alone, not in the percentiles.
  const first = delivery();
  const sent = performance.now();
  const answer = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-signature': first.signature },
    body: first.body,
  });
  const answered = performance.now() - sent;
  await gateway.line((l) => l.status === 'accepted' && l.executions.length > 0, 0, 60_000);
  const started = performance.now() - sent;
  ctx.add(`${prefix} first delivery`, answered, 'ms', {
    note: `answered ${answer.status}; its execution started after ${started.toFixed(0)} ms; ${mode.about}`,
  });
  ctx.log(
    `    first delivery: ${answer.status} in ${answered.toFixed(0)} ms, execution started at ${started.toFixed(0)} ms`,
  );

  // One connection first (the latency of one delivery at a time), then ten (throughput under load).
  const runs = [
    { connections: 1, seconds: ctx.quick ? 3 : 10, label: '1 connection' },
    { connections: 10, seconds: ctx.quick ? 5 : 20, label: '10 connections' },
  ];
  let accepted = 1;
  for (const run of runs) {
    const result = await load(url, run.connections, run.seconds);
    accepted += result['2xx'];
    ctx.add(`${prefix} requests/s, ${run.label}`, result.requests.average, 'req/s', {
      note: `autocannon ${run.seconds} s, generic HMAC, each request a new delivery; ${mode.about}`,
    });
    ctx.add(`${prefix} p50, ${run.label}`, result.latency.p50, 'ms');
    ctx.add(`${prefix} p99, ${run.label}`, result.latency.p99, 'ms', {
      note: `${result['2xx']} answered 2xx, ${result.non2xx} other, ${result.errors} errors, ${result.timeouts} timeouts`,
    });
    ctx.log(
      `    ${run.label}: ${result.requests.average.toFixed(1)} req/s, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms; ${result['2xx']} × 2xx, ${result.non2xx} other, ${result.errors} errors`,
    );
  }
  // Every accepted delivery's line is printed once its execution started (or its dispatch gave up).
  // Requests still in flight when autocannon stopped are answered later and counted too.
  const deadline = Date.now() + 120_000;
  const startedCount = () => gateway.lines.filter((l) => l.status === 'accepted' && l.executions.length > 0).length;
  while (startedCount() < accepted && Date.now() < deadline) await new Promise((done) => setTimeout(done, 250));
  const executions = startedCount();
  ctx.add(`${prefix} executions started`, executions, 'count', {
    target: { min: accepted, why: 'every 202 becomes a started execution' },
    note: `${accepted} answered 2xx while measured; ${gateway.lines.length} deliveries reported in all`,
  });
  ctx.log(`    ${executions} executions started for ${accepted} deliveries answered 2xx while measured`);
}
