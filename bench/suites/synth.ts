// Synthesis time and the largest template for 10, 100, 200 and 400 webhooks (one route each, varied
// sources), Lambda bundling skipped and CloudFormation validation off as in the tests; the growth
// exponent of time over webhooks (1 is linear).
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, Stack } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { HmacAlgorithm, WebhookGateway, WebhookSource } from '../../lib';
import { stateMachine } from '../../test/constructs/helpers';
import { growthExponent } from '../harness/measure';
import type { Suite } from '../harness/suite';

export const TARGETS = {
  /** Exponent b of time ∝ webhooks^b between 100 and 400 webhooks; above 1 is worse than linear (0.1 for noise). */
  growthExponent: 1.1,
} as const;

const SOURCES = [
  () => WebhookSource.github(),
  () => WebhookSource.stripe(),
  () => WebhookSource.slack(),
  () => WebhookSource.hmac({ header: 'x-signature', algorithm: HmacAlgorithm.SHA256 }),
  () => WebhookSource.standardWebhooks(),
];

/** Synthesizes an app of `webhooks` webhooks into `outdir`; returns ms and the largest template in bytes. */
export function synthesize(
  webhooks: number,
  outdir: string,
): { ms: number; largestTemplate: number; templates: number } {
  const started = performance.now();
  const app = new App({
    outdir,
    builtinCloudFormationValidation: false,
    context: { 'aws:cdk:bundling-stacks': [] },
  });
  const stack = new Stack(app, 'Bench');
  const gateway = new WebhookGateway(stack, 'Webhooks');
  const workflows = Array.from({ length: 10 }, (_, i) =>
    stateMachine(stack, `Workflow${i}`, i % 4 === 0 ? sfn.StateMachineType.EXPRESS : sfn.StateMachineType.STANDARD),
  );
  for (let i = 0; i < webhooks; i++) {
    const name = `hook-${i}`;
    gateway.addWebhook(name, { source: SOURCES[i % SOURCES.length]!(), eventKey: `'${name}:' + input.type` });
    gateway.route(`${name}:*`, workflows[i % workflows.length]!, { webhook: name, filter: 'input.amount > 10' });
  }
  const assembly = app.synth();
  const ms = performance.now() - started;
  const templates = readdirSync(assembly.directory).filter((f) => f.endsWith('.template.json'));
  const largestTemplate = Math.max(...templates.map((f) => statSync(join(assembly.directory, f)).size));
  return { ms, largestTemplate, templates: templates.length };
}

export const synthSuite: Suite = {
  name: 'synth',
  description: 'synthesis time and largest template for 10, 100, 200, 400 webhooks; growth',
  async run(ctx) {
    const counts = ctx.quick ? [10, 50, 100] : [10, 100, 200, 400];
    const outdir = fileURLToPath(new URL('../../test/.tmp/bench-synth', import.meta.url));
    synthesize(5, outdir); // Warm-up: module loading and JIT are not the app's size.
    const points: { n: number; ms: number }[] = [];
    for (const n of counts) {
      rmSync(outdir, { recursive: true, force: true });
      const { ms, largestTemplate, templates } = synthesize(n, outdir);
      points.push({ n, ms });
      ctx.add(`synth ${n} webhooks`, ms, 'ms', {
        note: `${(ms / n).toFixed(1)} ms per webhook, ${templates} templates`,
      });
      ctx.add(`largest template, ${n} webhooks`, largestTemplate / 1024, 'KB');
      ctx.log(
        `  ${String(n).padStart(4)} webhooks: ${(ms / 1000).toFixed(2).padStart(6)} s (${(ms / n).toFixed(1)} ms per webhook), largest template ${(largestTemplate / 1024).toFixed(0)} KB of ${templates}`,
      );
      await new Promise((resolve) => setImmediate(resolve));
    }
    rmSync(outdir, { recursive: true, force: true });
    const b = growthExponent(points.filter((p) => p.n >= (ctx.quick ? 50 : 100)));
    ctx.add('synth growth exponent', b, 'x', {
      target: { max: TARGETS.growthExponent, why: 'synthesis time grows linearly or better with webhooks' },
      note: 'time ∝ webhooks^b, fitted from 100 to 400 webhooks',
    });
    ctx.log(`  growth: time ∝ webhooks^${b.toFixed(2)} (≤ ${TARGETS.growthExponent} is linear or better)`);
  },
};
