// Each handler bundled as the package build bundles it (scripts/build.ts buildHandlers), its size and
// biggest contributors; then, in fresh Node processes (median of 10), the time to import the bundle and
// answer a first request against local DynamoDB and SQS (Secrets Manager and Step Functions answered
// by a stub server): with and without --enable-source-maps, with the AWS SDK clients imported
// beforehand (excluded from the count, timed beside) and, for the ingest, with nothing preloaded.
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as esbuild from 'esbuild';
import { ENV } from '../../lambdas/core/config/environment';
import { createIngestHandler } from '../../lambdas/ingest/request-handler';
import type { HandlerKind } from '../../lib/private/defaults';
import { HANDLER_BUNDLING, HANDLER_ENTRIES } from '../../lib/private/handler-entries';
import { buildHandlers } from '../../scripts/build';
import { createGatewayResources, LOCAL_CREDENTIALS, startLocalAws } from '../../test/support/local-aws';
import { writeConfig } from '../../test/support/gateway';
import { externalPackages, topContributors } from '../harness/bundle';
import { median } from '../harness/measure';
import type { Suite, SuiteContext } from '../harness/suite';
import { startAwsStubs } from '../support/aws-stubs';
import { authorizerEvent, sqsEventFor, stripeDelivery } from '../support/fixtures';
import { memoryIngestDeps } from '../support/memory-ports';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
// Under test/.tmp (ignored by git, lint and tsc), inside the repository so that the bundles resolve the AWS SDK.
const OUT = join(ROOT, 'test/.tmp/bench');
const CHILD = join(ROOT, 'bench/support/cold-start-child.mjs');
const run = promisify(execFile);

export const TARGETS = {
  /** Minified ingest bundle, bytes. */
  ingestBundleBytes: 250 * 1024,
  /** Import + first request of the ingest, SDK clients excluded, ms. */
  ingestFirstRequestMs: 60,
} as const;

/** Handlers whose first request is timed; the others are sized only. */
const TIMED: readonly HandlerKind[] = ['ingest', 'dispatcher', 'authorizer'];

interface ChildResult {
  readonly sdkMs: number;
  readonly importMs: number;
  readonly firstRequestMs: number;
  /** Time in the first request with an SDK call pending (0 when the SDK was not preloaded, hence not timed). */
  readonly sdkInRequestMs: number;
  /** One construction of each preloaded client class, as the bundle constructs its clients at module scope. */
  readonly sdkConstructMs: number;
  /** import + first request, less sdkInRequestMs and sdkConstructMs: the handler's own work. */
  readonly ownMs: number;
  readonly result: unknown;
}

async function coldStart(
  bundle: string,
  eventFile: string,
  options: { sourceMaps: boolean; preload: readonly string[] },
  env: NodeJS.ProcessEnv,
): Promise<ChildResult> {
  const args = [
    ...(options.sourceMaps ? ['--enable-source-maps'] : []),
    CHILD,
    bundle,
    eventFile,
    options.preload.length > 0 ? options.preload.join(',') : '-',
  ];
  const { stdout } = await run(process.execPath, args, { cwd: ROOT, env, maxBuffer: 16 * 1024 * 1024 });
  const line = stdout
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('{"coldStart":true'));
  if (!line) throw new Error(`cold start of ${bundle} printed no result:\n${stdout.slice(-2000)}`);
  return JSON.parse(line) as ChildResult;
}

/** The same esbuild options as the build (HANDLER_BUNDLING), for the metafile buildHandlers does not return. */
async function metafileOf(entry: string): Promise<esbuild.Metafile> {
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    // Split as the build splits: what loads on demand (import()) is in chunks of its own, not in index.mjs.
    entryPoints: { index: entry },
    bundle: true,
    platform: 'node',
    preserveSymlinks: true,
    write: false,
    outdir: 'out',
    splitting: true,
    outExtension: { '.js': '.mjs' },
    metafile: true,
    logLevel: 'silent',
    format: HANDLER_BUNDLING.format,
    mainFields: [...HANDLER_BUNDLING.mainFields],
    banner: { js: HANDLER_BUNDLING.banner },
    minify: HANDLER_BUNDLING.minify,
    keepNames: HANDLER_BUNDLING.keepNames,
    target: 'node24',
    external: ['@aws-sdk/*', '@smithy/*'],
  });
  return result.metafile;
}

export const coldStartSuite: Suite = {
  name: 'cold-start',
  description: 'bundle sizes and contributors; import + first request in a fresh process (median of 10)',
  async run(ctx) {
    rmSync(OUT, { recursive: true, force: true });
    mkdirSync(OUT, { recursive: true });
    await buildHandlers(OUT);
    const sdkOf = new Map<HandlerKind, string[]>();
    for (const [kind, { entry, directory }] of Object.entries(HANDLER_ENTRIES) as [
      HandlerKind,
      { entry: string; directory: string },
    ][]) {
      const file = join(OUT, 'handlers', directory, 'index.mjs');
      const bytes = statSync(file).size;
      let mapBytes = 0;
      try {
        mapBytes = statSync(`${file}.map`).size;
      } catch {
        // The build ships no source map (an opt-in): nothing to size.
      }
      const metafile = await metafileOf(entry);
      // The entry's own output: what every cold start reads (on-demand chunks are not counted).
      const output = Object.values(metafile.outputs).find((o) => o.entryPoint !== undefined)!;
      sdkOf.set(
        kind,
        externalPackages(output.imports).filter((p) => p.startsWith('@aws-sdk/')),
      );
      const contributors = topContributors(output.inputs, 8);
      ctx.detail(`${kind}.contributors`, contributors);
      ctx.add(`${kind} bundle`, bytes / 1024, 'KB', {
        ...(kind === 'ingest' && {
          target: {
            max: TARGETS.ingestBundleBytes / 1024,
            why: 'smaller code to read and compile at every cold start',
          },
        }),
        note: `minified${mapBytes > 0 ? `, + ${(mapBytes / 1024).toFixed(0)} KB source map` : ', no source map'}`,
      });
      ctx.log(
        `  ${kind.padEnd(13)} ${(bytes / 1024).toFixed(1).padStart(7)} KB  map ${(mapBytes / 1024).toFixed(0)} KB`,
      );
      for (const c of contributors.slice(0, 5))
        ctx.log(`      ${c.name.padEnd(40)} ${(c.bytes / 1024).toFixed(1).padStart(7)} KB`);
      if (Math.abs(output.bytes - bytes) / bytes > 0.02)
        ctx.log(
          `    note: the metafile build is ${output.bytes} B, the shipped bundle ${bytes} B: the build options drifted`,
        );
    }
    await timeFirstRequests(ctx, sdkOf);
  },
};

async function timeFirstRequests(ctx: SuiteContext, sdkOf: Map<HandlerKind, string[]>): Promise<void> {
  const runs = ctx.quick ? 3 : 10;
  const local = await startLocalAws();
  const now = new Date();
  const template = stripeDelivery(now);
  const stubs = await startAwsStubs(template.secrets);
  try {
    const resources = await createGatewayResources(local);
    await writeConfig(local, resources, { webhooks: [template.webhook], routes: [...template.routes] });
    const env: NodeJS.ProcessEnv = {
      PATH: process.env['PATH'],
      HOME: process.env['HOME'],
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: local.dynamodbServer.endpoint,
      AWS_ENDPOINT_URL_SQS: local.sqsServer.endpoint,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: stubs.endpoint,
      AWS_ENDPOINT_URL_SFN: stubs.endpoint,
      AWS_ENDPOINT_URL_S3: stubs.endpoint,
      AWS_LAMBDA_FUNCTION_NAME: 'bench',
      [ENV.configTable]: resources.configTable,
      [ENV.historyTable]: resources.historyTable,
      [ENV.queueUrl]: resources.queueUrl,
      [ENV.payloadBucket]: 'payloads',
    };

    // The dispatcher's event: the message the ingest queues for the Stripe event.
    const memory = memoryIngestDeps({ webhooks: [template.webhook], routes: template.routes }, template.secrets, now);
    await createIngestHandler(memory.deps)(template.event);
    const sqsEvent = sqsEventFor(memory.queue.lastEntries[0]!);
    const authorizer = authorizerEvent(template);

    let n = 0;
    /** A file with the event of one run: each ingest run gets a new Stripe event, so that none is a duplicate. */
    const eventFile = (kind: HandlerKind): string => {
      const event =
        kind === 'ingest' ? stripeDelivery(now, `evt_cold_${n}`).event : kind === 'dispatcher' ? sqsEvent : authorizer;
      const file = join(OUT, `event-${n++}.json`);
      writeFileSync(file, JSON.stringify(event));
      return file;
    };
    const check = (kind: HandlerKind, result: unknown) => {
      const ok =
        kind === 'ingest'
          ? (result as { statusCode?: number }).statusCode === 202 &&
            (JSON.parse((result as { body: string }).body) as { status?: string }).status === 'accepted'
          : kind === 'dispatcher'
            ? (result as { batchItemFailures?: unknown[] }).batchItemFailures?.length === 0
            : (result as { policyDocument?: { Statement: { Effect: string }[] } }).policyDocument?.Statement[0]
                ?.Effect === 'Allow';
      if (!ok)
        throw new Error(`bench setup: the ${kind} bundle's first answer was ${JSON.stringify(result).slice(0, 500)}`);
    };

    for (const kind of TIMED) {
      const bundle = join(OUT, 'handlers', HANDLER_ENTRIES[kind].directory, 'index.mjs');
      const sdk = sdkOf.get(kind) ?? [];
      const modes = kind === 'ingest' ? (['sdk excluded', 'total'] as const) : (['sdk excluded'] as const);
      for (const sourceMaps of [false, true]) {
        for (const mode of modes) {
          const samples: ChildResult[] = [];
          for (let i = 0; i < runs; i++) {
            const got = await coldStart(
              bundle,
              eventFile(kind),
              { sourceMaps, preload: mode === 'total' ? [] : sdk },
              env,
            );
            check(kind, got.result);
            samples.push(got);
          }
          const label = `${kind} import + first request, ${mode}${sourceMaps ? ', --enable-source-maps' : ''}`;
          const med = (pick: (s: ChildResult) => number) => median(samples.map(pick)).toFixed(1);
          // SDK excluded: less the time an SDK call was pending in the first request (the handler's own
          // clients' first calls: endpoint and credentials resolved, a first connection, the round trip)
          // and the clients' construction at module scope.
          const ms = median(samples.map((s) => (mode === 'total' ? s.importMs + s.firstRequestMs : s.ownMs)));
          const note =
            mode === 'total'
              ? `median of ${runs}; import ${med((s) => s.importMs)} ms + first request ${med((s) => s.firstRequestMs)} ms`
              : `median of ${runs}; import ${med((s) => s.importMs)} ms + first request ${med((s) => s.firstRequestMs)} ms, less ${med((s) => s.sdkInRequestMs)} ms with an SDK call pending and ${med((s) => s.sdkConstructMs)} ms constructing the clients`;
          ctx.add(label, ms, 'ms', {
            note,
            ...(kind === 'ingest' &&
              mode === 'sdk excluded' &&
              !sourceMaps && {
                target: {
                  max: TARGETS.ingestFirstRequestMs,
                  why: 'a cold start adds little to the first delivery’s latency',
                },
              }),
          });
          ctx.log(`  ${label.padEnd(72)} ${ms.toFixed(1).padStart(7)} ms`);
          if (mode === 'sdk excluded') {
            const sdkMs = median(samples.map((s) => s.sdkMs));
            const sdkLabel = `${kind} AWS SDK clients import${sourceMaps ? ', --enable-source-maps' : ''}`;
            ctx.add(sdkLabel, sdkMs, 'ms', { note: sdk.map((p) => p.replace('@aws-sdk/client-', '')).join(', ') });
            ctx.log(`  ${sdkLabel.padEnd(72)} ${sdkMs.toFixed(1).padStart(7)} ms`);
            const callsMs = median(samples.map((s) => s.sdkInRequestMs));
            const callsLabel = `${kind} AWS SDK calls in the first request${sourceMaps ? ', --enable-source-maps' : ''}`;
            ctx.add(callsLabel, callsMs, 'ms', {
              note: 'an SDK call pending: first calls of the handler’s clients and round trips to local servers',
            });
            ctx.log(`  ${callsLabel.padEnd(72)} ${callsMs.toFixed(1).padStart(7)} ms`);
          }
        }
      }
    }
    ctx.detail('stubCalls', Object.fromEntries(stubs.calls));
  } finally {
    await stubs.stop();
    await local.stop();
  }
}
