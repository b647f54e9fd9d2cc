// The local gateway (`webhook-gateway local`, a child process) under autocannon for 20 s: a generic
// HMAC webhook, each request a new signed delivery, all the way to a started local execution.
// Requests/s, p50 and p99 as autocannon sees them, and how many executions actually started.
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
          const body = JSON.stringify({ type: 'created', id: randomUUID(), amount: 1250, currency: 'eur' });
          const signature = createHmac('sha256', SECRET).update(body).digest('hex');
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
  description: 'the local gateway under autocannon (20 s), to the started local execution',
  async run(ctx) {
    const dir = mkdtempSync(join(tmpdir(), 'bench-gateway-'));
    const assembly = synthesizeApp(join(dir, 'cdk.out'));
    const secretsFile = join(dir, 'secrets.json');
    writeFileSync(secretsFile, JSON.stringify({ [WEBHOOK]: SECRET }));
    const gateway = await startGateway(['--app', assembly, '--port', '0', '--json', '--secrets', secretsFile], {
      stateDir: join(dir, 'state'),
    });
    try {
      const url = `${gateway.url}/webhooks/${WEBHOOK}`;
      // One connection first (the latency of one delivery at a time), then ten (throughput under load).
      const runs = [
        { connections: 1, seconds: ctx.quick ? 3 : 10, label: '1 connection' },
        { connections: 10, seconds: ctx.quick ? 5 : 20, label: '10 connections' },
      ];
      let accepted = 0;
      for (const run of runs) {
        const result = await load(url, run.connections, run.seconds);
        accepted += result['2xx'];
        ctx.add(`local gateway requests/s, ${run.label}`, result.requests.average, 'req/s', {
          note: `autocannon ${run.seconds} s, generic HMAC, each request a new delivery`,
        });
        ctx.add(`local gateway p50, ${run.label}`, result.latency.p50, 'ms');
        ctx.add(`local gateway p99, ${run.label}`, result.latency.p99, 'ms', {
          note: `${result['2xx']} answered 2xx, ${result.non2xx} other, ${result.errors} errors, ${result.timeouts} timeouts`,
        });
        ctx.log(
          `  ${run.label}: ${result.requests.average.toFixed(1)} req/s, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms; ${result['2xx']} × 2xx, ${result.non2xx} other, ${result.errors} errors`,
        );
      }
      // Every accepted delivery's line is printed once its execution started (or its dispatch gave up).
      // Requests still in flight when autocannon stopped are answered later and counted too.
      const deadline = Date.now() + 120_000;
      const started = () => gateway.lines.filter((l) => l.status === 'accepted' && l.executions.length > 0).length;
      while (started() < accepted && Date.now() < deadline) await new Promise((done) => setTimeout(done, 250));
      const executions = started();
      ctx.add('local gateway executions started', executions, 'count', {
        target: { min: accepted, why: 'every 202 becomes a started execution' },
        note: `${accepted} answered 2xx while measured; ${gateway.lines.length} deliveries reported in all`,
      });
      ctx.log(`  ${executions} executions started for ${accepted} deliveries answered 2xx while measured`);
    } finally {
      await gateway.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
