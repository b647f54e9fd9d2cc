import { describe, expect, it } from 'vitest';
import { contributorOf, externalPackages, topContributors } from '../../bench/harness/bundle';
import { costPerMillion, PRICES, sqsRequestsFor, totalUsd, type DeliveryUsage } from '../../bench/harness/cost';
import { growthExponent, median, pairedRatio, percentile } from '../../bench/harness/measure';
import {
  meetsTarget,
  merge,
  regressions,
  type Machine,
  type Result,
  type ResultsFile,
} from '../../bench/harness/results';
import { stagesOf } from '../../bench/harness/stages';
import { formatMarkdownTable, formatTable } from '../../bench/harness/table';

// The benchmark harness's pure parts. Nothing here is timed: speed is measured by `npm run bench`.

const MACHINE: Machine = { cpu: 'Test CPU', cores: 2, node: 'v20.0.0', platform: 'linux' };
const AT = '2026-12-06T00:00:00.000Z';

const result = (id: string, value: number, unit: Result['unit'], extra: Partial<Result> = {}): Result => ({
  id,
  suite: id.split('/')[0]!,
  name: id.split('/')[1]!,
  value,
  unit,
  measuredAt: AT,
  ...extra,
});

const file = (results: Result[], machine = MACHINE): ResultsFile => ({
  machine,
  updatedAt: AT,
  results,
  details: {},
});

describe('regressions', () => {
  const previous = file([
    result('ingest/handler', 100, 'µs'),
    result('gateway/rps', 200, 'req/s'),
    result('cold-start/bundle', 300, 'KB'),
  ]);

  it('names a time more than 25% slower than the saved one', () => {
    const found = regressions(previous, [result('ingest/handler', 126, 'µs')], MACHINE);
    expect(found).toEqual([
      { id: 'ingest/handler', previous: 100, current: 126, unit: 'µs', slower: expect.closeTo(0.26, 5) },
    ]);
  });

  it('lets a time up to 25% slower pass', () => {
    expect(regressions(previous, [result('ingest/handler', 125, 'µs')], MACHINE)).toEqual([]);
  });

  it('names a rate that fell so that each request takes more than 25% longer', () => {
    expect(regressions(previous, [result('gateway/rps', 150, 'req/s')], MACHINE).map((r) => r.id)).toEqual([
      'gateway/rps',
    ]);
    expect(regressions(previous, [result('gateway/rps', 170, 'req/s')], MACHINE)).toEqual([]);
  });

  it('compares timings only, and only on the same machine', () => {
    expect(regressions(previous, [result('cold-start/bundle', 900, 'KB')], MACHINE)).toEqual([]);
    const other = { ...MACHINE, cpu: 'Other CPU' };
    expect(regressions(previous, [result('ingest/handler', 500, 'µs')], other)).toEqual([]);
    expect(regressions(undefined, [result('ingest/handler', 500, 'µs')], MACHINE)).toEqual([]);
  });

  it('ignores a unit change (a benchmark that now measures something else)', () => {
    expect(regressions(previous, [result('ingest/handler', 500, 'ms')], MACHINE)).toEqual([]);
  });
});

describe('merge', () => {
  const previous = file([
    result('ingest/handler', 100, 'µs'),
    result('ingest/old', 1, 'µs'),
    result('synth/10', 900, 'ms'),
  ]);

  it("replaces the suites that ran and keeps the others' results", () => {
    const merged = merge(previous, [result('ingest/handler', 90, 'µs')], {}, MACHINE, new Date(AT));
    expect(merged.results.map((r) => [r.id, r.value])).toEqual([
      ['synth/10', 900],
      ['ingest/handler', 90],
    ]);
  });

  it('keeps only this run on another machine', () => {
    const merged = merge(previous, [result('ingest/handler', 90, 'µs')], {}, { ...MACHINE, cores: 8 }, new Date(AT));
    expect(merged.results.map((r) => r.id)).toEqual(['ingest/handler']);
    expect(merged.machine.cores).toBe(8);
  });
});

describe('targets and the table', () => {
  it('tells met from missed', () => {
    expect(meetsTarget({ value: 2, target: { max: 2, why: '' } })).toBe(true);
    expect(meetsTarget({ value: 2.1, target: { max: 2, why: '' } })).toBe(false);
    expect(meetsTarget({ value: 9, target: { min: 10, why: '' } })).toBe(false);
    expect(meetsTarget({ value: 9 })).toBeUndefined();
  });

  it('prints each result with its target verdict', () => {
    const table = formatTable([
      result('ingest/ratio', 2.5, 'x', { target: { max: 2, why: 'w' } }),
      result('cost/total', 36.456, 'USD'),
    ]);
    expect(table).toContain('ingest/ratio');
    expect(table).toMatch(/2\.50×\s+≤ 2\.00× MISSED/);
    expect(table).toContain('$36.46');
  });

  it('formats the Markdown table of docs/PERFORMANCE.md: code ids, targets met or missed in words', () => {
    const table = formatMarkdownTable([
      result('ingest/ratio', 2.5, 'x', { target: { max: 2, why: 'w' } }),
      result('gateway/started', 1925, 'count', { target: { min: 1915, why: 'w' }, note: 'all of them' }),
      result('cost/total', 36.456, 'USD'),
      result("micro/cel: input.ref.matches('^(a|b)$')", 1220, 'ns', { note: 'x|y' }),
    ]).split('\n');
    expect(table).toEqual([
      '| benchmark | value | target | note |',
      '| --- | ---: | --- | --- |',
      '| `ingest/ratio` | 2.50× | ≤ 2.00× — **missed** |  |',
      '| `gateway/started` | 1925 | ≥ 1915 — met | all of them |',
      '| `cost/total` | $36.46 |  |  |',
      "| `micro/cel: input.ref.matches('^(a\\|b)$')` | 1220 ns |  | x\\|y |",
    ]);
  });
});

describe('statistics', () => {
  it('takes medians and nearest-rank percentiles', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50)).toBe(5);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 99)).toBe(10);
  });

  it('fits the growth exponent: 1 for linear, 2 for quadratic, below 1 with a fixed cost', () => {
    const ns = [100, 200, 400];
    expect(growthExponent(ns.map((n) => ({ n, ms: 3 * n })))).toBeCloseTo(1, 10);
    expect(growthExponent(ns.map((n) => ({ n, ms: n * n })))).toBeCloseTo(2, 10);
    expect(growthExponent(ns.map((n) => ({ n, ms: 1000 + n })))).toBeLessThan(1);
  });
});

describe('cost model', () => {
  const usage: DeliveryUsage = {
    apiGatewayRequests: 1,
    lambdas: [{ name: 'ingest', invocations: 1, durationMs: 20.2, memoryMb: 1024 }],
    sqsRequests: 3,
    writeRequestUnits: 9,
    readRequestUnits: 0.5,
    secretsManagerCalls: 0,
    standardTransitions: 1,
  };

  it('prices a million deliveries line by line', () => {
    const lines = Object.fromEntries(costPerMillion(usage).map((l) => [l.item, l.usd]));
    expect(lines['API Gateway REST requests']).toBeCloseTo(3.5, 10);
    expect(lines['Lambda ingest requests']).toBeCloseTo(0.2, 10);
    // 20.2 ms is billed as 21 ms: 0.021 s × 1 GB × 1e6 × $0.0000133334.
    expect(lines['Lambda ingest duration (21 ms × 1024 MB)']).toBeCloseTo(
      0.021 * 1e6 * PRICES.lambdaArmGbSecond.usd,
      10,
    );
    expect(lines['SQS FIFO requests']).toBeCloseTo(1.5, 10);
    expect(lines['DynamoDB write request units']).toBeCloseTo(9 * 0.625, 10);
    expect(lines['DynamoDB read request units']).toBeCloseTo(0.0625, 10);
    expect(lines['Step Functions Standard transitions']).toBeCloseTo(25, 10);
    expect(totalUsd(costPerMillion(usage))).toBeCloseTo(3.5 + 0.2 + 0.2800014 + 1.5 + 5.625 + 0.0625 + 25, 6);
  });

  it('bills Express per started 100 ms and 64 MB', () => {
    const lines = costPerMillion({ ...usage, express: { durationMs: 101, memoryMb: 65 } });
    const byItem = Object.fromEntries(lines.map((l) => [l.item, l]));
    expect(byItem['Step Functions Standard transitions']).toBeUndefined();
    expect(byItem['Step Functions Express requests']!.usd).toBeCloseTo(1, 10);
    // 0.2 s × 128 MB = 0.025 GB-s per execution.
    expect(byItem['Step Functions Express duration']!.quantity).toBeCloseTo(0.025 * 1e6, 6);
  });

  it('counts each 64 KB chunk of an SQS payload as a request', () => {
    expect(sqsRequestsFor(100)).toBe(1);
    expect(sqsRequestsFor(64 * 1024)).toBe(1);
    expect(sqsRequestsFor(64 * 1024 + 1)).toBe(2);
  });

  it('names a source for every price', () => {
    for (const price of Object.values(PRICES)) expect(price.source).toMatch(/^https:\/\//);
  });
});

describe('bundle contributors and round trips', () => {
  it('groups inputs by npm package, else by folder', () => {
    expect(contributorOf('node_modules/@marcbachmann/cel-js/lib/index.js')).toBe('@marcbachmann/cel-js');
    expect(contributorOf('../main/node_modules/re2js/build/index.esm.js')).toBe('re2js');
    expect(contributorOf('lambdas/core/cel/compile.ts')).toBe('lambdas/core/cel');
    expect(contributorOf('lambdas/ingest/index.ts')).toBe('lambdas/ingest');
    const top = topContributors(
      {
        'node_modules/jose/a.js': { bytesInOutput: 10 },
        'node_modules/jose/b.js': { bytesInOutput: 15 },
        'lambdas/core/cel/x.ts': { bytesInOutput: 20 },
        'lambdas/ingest/index.ts': { bytesInOutput: 1 },
      },
      2,
    );
    expect(top).toEqual([
      { name: 'jose', bytes: 25 },
      { name: 'lambdas/core/cel', bytes: 20 },
      { name: 'other', bytes: 1 },
    ]);
  });

  it('lists the packages a bundle imports at run time, without Node built-ins', () => {
    expect(
      externalPackages([
        { path: '@aws-sdk/client-sqs', external: true },
        { path: '@aws-sdk/client-sqs/dist', external: true },
        { path: 'node:crypto', external: true },
        { path: 'crypto', external: true },
        { path: 'lambdas/x.ts' },
      ]),
    ).toEqual(['@aws-sdk/client-sqs']);
  });

  it('groups calls into sequential round trips', () => {
    const call = (service: string, command: string, start: number, end: number) => ({ service, command, start, end });
    expect(
      stagesOf([
        call('sqs', 'SendMessageBatchCommand', 10, 15),
        call('dynamodb', 'PutItemCommand', 0, 8),
        call('dynamodb', 'PutItemCommand', 1, 9),
        call('dynamodb', 'UpdateItemCommand', 10, 12),
      ]),
    ).toEqual([
      ['dynamodb.PutItem', 'dynamodb.PutItem'],
      ['sqs.SendMessageBatch', 'dynamodb.UpdateItem'],
    ]);
  });
});

describe('interleaved timings', () => {
  it('takes the median of the per-sample ratios', () => {
    const timing = (samples: number[]) => ({ nsPerOp: median(samples), samples, iterations: 1 });
    // A busy moment slows both sides of sample 2: its ratio stays 2.
    expect(pairedRatio(timing([20, 200, 22]), timing([10, 100, 10]))).toBe(2);
    expect(pairedRatio(timing([30, 60, 90]), timing([10, 20, 30]))).toBe(3);
  });
});
