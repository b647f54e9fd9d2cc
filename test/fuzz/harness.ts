import { PurgeQueueCommand, PurgeQueueInProgress } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import fc from 'fast-check';
import { createIngestHandler } from '../../lambdas/ingest/request-handler';
import { testGateway, type TestGateway } from '../support/gateway';
import { startLocalAws, type LocalAws } from '../support/local-aws';
import {
  PROFILES,
  Received,
  routeFor,
  secretStrings,
  signedRequest,
  toApiEvent,
  webhookConfig,
  type Profile,
  type WireRequest,
} from '../support/schemes';
import { applyMutation, mutationArb, type Mutation } from './mutations';
import { shapeArb, shapeBody, type Expectation, type Shape } from './shapes';

export interface FuzzCase {
  readonly profile: string;
  /** Send the original first (the dedup property needs it; most cases skip it, to run more mutations). */
  readonly original: boolean;
  readonly shape: Shape;
  readonly mutations: readonly Mutation[];
  /** Seconds between signing and the mutated request's arrival (a delayed or replayed delivery). */
  readonly delay: number;
}

export function caseArb(profiles: readonly Profile[]): fc.Arbitrary<FuzzCase> {
  return fc.record({
    profile: fc.constantFrom(...profiles.map((p) => p.name)),
    original: fc.oneof({ weight: 1, arbitrary: fc.constant(true) }, { weight: 2, arbitrary: fc.constant(false) }),
    shape: shapeArb,
    mutations: fc.array(mutationArb, { minLength: 1, maxLength: 3 }),
    delay: fc.oneof(
      { weight: 4, arbitrary: fc.constant(0) },
      { weight: 1, arbitrary: fc.integer({ min: -1000, max: 1000 }) },
    ),
  });
}

export class PropertyViolation extends Error {
  override readonly name = 'PropertyViolation';
}

export interface FuzzRun {
  /** Profile names, in the order of PROFILES (the arbitrary depends on it, so a replay must name the same ones). */
  readonly profiles: readonly string[];
  readonly seed: number;
  readonly numRuns: number;
  /** fast-check's counterexample path, to replay one failure without the runs before it. */
  readonly path?: string;
  /** Stop at the first failure instead of shrinking it. */
  readonly endOnFailure?: boolean;
}

/** The command that replays a run's failure. */
export function replayCommand(run: FuzzRun, path?: string): string {
  const profiles = run.profiles.length === PROFILES.length ? '' : ` --profile ${run.profiles.join(',')}`;
  return `npm run fuzz --${profiles} --seed ${run.seed} --runs ${run.numRuns}${path ? ` --path "${path}"` : ''}`;
}

/**
 * Runs the property; on failure throws the violation with the seed, the counterexample and the
 * command that replays it.
 */
export async function fuzz(target: FuzzTarget, run: FuzzRun): Promise<void> {
  const profiles = target.profiles.filter((p) => run.profiles.includes(p.name));
  const details = await fc.check(
    fc.asyncProperty(caseArb(profiles), (c) => target.check(c)),
    {
      seed: run.seed,
      numRuns: run.numRuns,
      ...(run.path !== undefined && { path: run.path }),
      ...(run.endOnFailure && { endOnFailure: true }),
    },
  );
  if (!details.failed) return;
  const cause = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  throw new PropertyViolation(
    `failed after ${details.numRuns} run(s), seed ${details.seed}, path "${details.counterexamplePath}"\n` +
      `counterexample: ${JSON.stringify(details.counterexample)}\n${cause}\n` +
      `replay: ${replayCommand(run, details.counterexamplePath ?? undefined)}`,
  );
}

export interface FuzzOptions {
  readonly profiles?: readonly Profile[];
  /** Every webhook's maxBodySize (small, so that sizes around it stay cheap). @default 16384 */
  readonly maxBodySize?: number;
  /** Longest a request may take before it counts as a hang. @default 5000 */
  readonly timeoutMs?: number;
}

/** Counts of what the fuzzer saw, for the runner's summary. */
export interface FuzzStats {
  cases: number;
  mustReject: number;
  acceptedUnsigned: number;
  rejectedUnsigned: number;
  dedupChecked: number;
  byStatus: Record<string, number>;
}

/**
 * The real ingest handler (createIngestHandler) on its AWS adapters against dynalite and
 * local-aws-sqs, one webhook per profile, Secrets Manager and S3 stubbed, a manual clock. `check`
 * runs one case and throws PropertyViolation when a property does not hold:
 *   1. the original (validly signed) request gets what its shape calls for;
 *   2. no request gets a 5xx, makes the handler throw, or takes longer than the timeout;
 *   3. a mutated request that cannot be authentic (the profile's mustReject, or a signed timestamp
 *      outside the window) gets a 4xx: never a 2xx, a handshake answer included;
 *   4. (dedup) an accepted mutation whose signed material equals the original's enqueues nothing
 *      under a new idempotency key.
 */
export class FuzzTarget {
  readonly stats: FuzzStats = {
    cases: 0,
    mustReject: 0,
    acceptedUnsigned: 0,
    rejectedUnsigned: 0,
    dedupChecked: 0,
    byStatus: {},
  };
  private nonce = 0;
  private readonly run = Date.now().toString(36);
  /** Idempotency keys of the queue entries sent since the last take. */
  private sent: string[] = [];
  private readonly ingest: (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

  private constructor(
    private readonly local: LocalAws,
    readonly gateway: TestGateway,
    readonly profiles: readonly Profile[],
    private readonly options: Required<Omit<FuzzOptions, 'profiles'>>,
  ) {
    // The gateway's own ports, with the queue's sends noted on their way to local-aws-sqs.
    const queue = gateway.deps.queue;
    this.ingest = createIngestHandler({
      ...gateway.deps,
      queue: {
        send: async (entries) => {
          await queue.send(entries);
          this.sent.push(...entries.map((e) => e.message.idempotencyKey));
        },
      },
    });
  }

  static async start(options: FuzzOptions = {}): Promise<FuzzTarget> {
    const profiles = options.profiles ?? PROFILES;
    const maxBodySize = options.maxBodySize ?? 16_384;
    const local = await startLocalAws();
    try {
      const gateway = await testGateway(
        local,
        { webhooks: profiles.map((p) => webhookConfig(p, maxBodySize)), routes: profiles.map(routeFor) },
        { secrets: secretStrings(profiles) },
      );
      return new FuzzTarget(local, gateway, profiles, {
        maxBodySize,
        timeoutMs: options.timeoutMs ?? 5_000,
      });
    } catch (error) {
      await local.stop();
      throw error;
    }
  }

  async stop(): Promise<void> {
    await this.local.stop();
  }

  async check(c: FuzzCase): Promise<void> {
    const profile = this.profiles.find((p) => p.name === c.profile)!;
    const clock = this.gateway.clock;
    const n = ++this.nonce;
    // The handler records one sampled rejection per webhook a minute: every 8th case's first is stored.
    clock.advance(n % 8 === 0 ? 61_000 : 1_000);
    if (n % 200 === 0) await this.purge();
    const now = clock.now();
    const nonce = `${this.run}-${n}`;
    const shaped = shapeBody(profile, c.shape, nonce, now, this.options.maxBodySize);
    const signOptions = {
      now,
      nonce,
      ...(shaped.payload && { payload: shaped.payload }),
      ...(shaped.body && { body: shaped.body }),
    };
    const original = await signedRequest(profile, signOptions);
    const describe = (extra: string) =>
      `${profile.name} ${JSON.stringify(c.shape)}: ${extra}\n  original: ${show(original)}`;

    let accepted = false;
    if (c.original) {
      const first = await this.send(profile, original, describe('the original request'));
      expectOriginal(shaped.expect, first, describe);
      accepted = first.statusCode === 202 && parseStatus(first) === 'accepted';
    }
    const keys = new Set(this.take());

    let mutated: WireRequest = original;
    const ctx = {
      profile,
      seconds: Math.floor(now.getTime() / 1000),
      ms: now.getTime(),
      maxBodySize: this.options.maxBodySize,
      wrongKey: () => signedRequest(profile, { ...signOptions, wrongKey: true }),
    };
    for (const m of c.mutations) mutated = await applyMutation(m, mutated, ctx);

    const before = new Received(profile.name, original);
    const after = new Received(profile.name, mutated);
    const validity = profile.validity(c.delay);
    const mustReject =
      profile.mustReject(before, after) ?? (validity === 'invalid' ? `signed ${c.delay} s before arrival` : undefined);
    const what = describe(`${JSON.stringify(c.mutations)}, delay ${c.delay} s\n  mutated: ${show(mutated)}`);

    clock.advance(c.delay * 1000);
    let second: APIGatewayProxyResult;
    try {
      second = await this.send(profile, mutated, what);
    } finally {
      clock.advance(-c.delay * 1000);
    }
    this.count(second.statusCode);
    const ok = second.statusCode >= 200 && second.statusCode < 300;
    if (mustReject !== undefined) {
      this.stats.mustReject++;
      if (second.statusCode < 400) {
        throw new PropertyViolation(
          `accepted a request that cannot be authentic (${mustReject}): ${second.statusCode} ${second.body}\n${what}`,
        );
      }
    } else if (ok) this.stats.acceptedUnsigned++;
    else this.stats.rejectedUnsigned++;

    if (!ok) return;
    const sent = this.take();
    const material = profile.dedupMaterial?.(before);
    if (!accepted || material === undefined || validity !== 'valid' || profile.dedupMaterial!(after) !== material)
      return;
    this.stats.dedupChecked++;
    const fresh = sent.filter((k) => !keys.has(k));
    if (fresh.length > 0) {
      throw new PropertyViolation(
        `a replay with the same signed material was enqueued as a new delivery (idempotency key ${fresh[0]}, original ${[...keys].join(', ')}): ${second.statusCode} ${second.body}\n${what}`,
      );
    }
  }

  private count(status: number): void {
    this.stats.byStatus[status] = (this.stats.byStatus[status] ?? 0) + 1;
    this.stats.cases++;
  }

  /** One request through the handler, bounded in time; a throw, a timeout or a 5xx is a violation. */
  private async send(profile: Profile, request: WireRequest, what: string): Promise<APIGatewayProxyResult> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new PropertyViolation(`no answer within ${this.options.timeoutMs} ms\n${what}`)),
        this.options.timeoutMs,
      );
    });
    let result: APIGatewayProxyResult;
    try {
      result = await Promise.race([this.ingest(toApiEvent(profile.name, request)), timeout]);
    } catch (error) {
      if (error instanceof PropertyViolation) throw error;
      throw new PropertyViolation(`the handler threw (API Gateway answers 502): ${String(error)}\n${what}`);
    } finally {
      clearTimeout(timer);
    }
    if (result.statusCode >= 500) {
      const logged = this.gateway.telemetry.logs.filter((l) => l.level === 'error').slice(-1)[0];
      throw new PropertyViolation(
        `answered ${result.statusCode} ${result.body} (${JSON.stringify(logged?.fields)})\n${what}`,
      );
    }
    return result;
  }

  /** Nothing consumes the queue: empty it now and then (SQS allows one purge a minute). */
  private async purge(): Promise<void> {
    try {
      await this.local.sqs.send(new PurgeQueueCommand({ QueueUrl: this.gateway.resources.queueUrl }));
    } catch (error) {
      if (!(error instanceof PurgeQueueInProgress)) throw error;
    }
  }

  private take(): string[] {
    const sent = this.sent;
    this.sent = [];
    return sent;
  }
}

function parseStatus(result: APIGatewayProxyResult): string | undefined {
  try {
    return (JSON.parse(result.body) as { status?: string }).status;
  } catch {
    return undefined;
  }
}

function expectOriginal(expect: Expectation, result: APIGatewayProxyResult, describe: (s: string) => string): void {
  const s = result.statusCode;
  const ok =
    expect === '2xx'
      ? s >= 200 && s < 300
      : expect === '200'
        ? s === 200
        : expect === '413'
          ? s === 413
          : expect === '4xx'
            ? s >= 400 && s < 500
            : true;
  if (!ok) {
    throw new PropertyViolation(
      `the original, validly signed request should get ${expect}, got ${s} ${result.body}\n${describe('')}`,
    );
  }
}

/** A request, short enough to read in a failure message. */
function show(r: WireRequest): string {
  const body =
    r.body.length > 300
      ? `${r.body.subarray(0, 300).toString('utf8')}… (${r.body.length} bytes)`
      : r.body.toString('utf8');
  return JSON.stringify({ method: r.method, headers: r.headers, query: r.query, base64: r.base64, body });
}
