// What a million deliveries cost at AWS list prices (us-east-1), from usage counted per delivery.
// Pure; tested in test/bench/harness.test.ts. Each price names the page it was read from and whether
// that page is AWS's own (`aws`) or a third party quoting it (`quoted`): check the quoted ones.

export interface Price {
  readonly usd: number;
  /** What one `usd` buys. */
  readonly per: string;
  readonly source: string;
  readonly confirmedOn: 'aws' | 'quoted';
}

export const PRICES = {
  apiGatewayRestRequest: {
    usd: 3.5 / 1e6,
    per: 'REST API call (first 333 million a month)',
    source:
      'https://docs.aws.amazon.com/whitepapers/latest/best-practices-api-gateway-private-apis-integration/cost-optimization.html',
    confirmedOn: 'aws',
  },
  lambdaRequest: {
    usd: 0.2 / 1e6,
    per: 'Lambda request',
    source: 'https://cloudchipr.com/blog/aws-lambda-pricing (AWS page: https://aws.amazon.com/lambda/pricing/)',
    confirmedOn: 'quoted',
  },
  lambdaArmGbSecond: {
    usd: 0.0000133334,
    per: 'Lambda arm64 GB-second (first 7.5 billion a month)',
    source: 'https://cloudchipr.com/blog/aws-lambda-pricing (AWS page: https://aws.amazon.com/lambda/pricing/)',
    confirmedOn: 'quoted',
  },
  sqsFifoRequest: {
    usd: 0.5 / 1e6,
    per: 'SQS FIFO request (each 64 KB chunk of a payload is a request)',
    source: 'https://cloudburn.io/blog/amazon-sqs-pricing (AWS page: https://aws.amazon.com/sqs/pricing/)',
    confirmedOn: 'quoted',
  },
  dynamodbWriteRequestUnit: {
    usd: 0.625 / 1e6,
    per: 'DynamoDB on-demand write request unit (1 KB)',
    source:
      'https://airbyte.com/data-engineering-resources/dynamodb-pricing (AWS page: https://aws.amazon.com/dynamodb/pricing/on-demand/)',
    confirmedOn: 'quoted',
  },
  dynamodbReadRequestUnit: {
    usd: 0.125 / 1e6,
    per: 'DynamoDB on-demand read request unit (4 KB strongly consistent)',
    source:
      'https://airbyte.com/data-engineering-resources/dynamodb-pricing (AWS page: https://aws.amazon.com/dynamodb/pricing/on-demand/)',
    confirmedOn: 'quoted',
  },
  secretsManagerCall: {
    usd: 0.05 / 1e4,
    per: 'Secrets Manager API call',
    source:
      'https://hivebook.wiki/wiki/aws-secrets-manager-rotated-secrets-dynamic-db-credentials-kms (AWS page: https://aws.amazon.com/secrets-manager/pricing/)',
    confirmedOn: 'quoted',
  },
  stepFunctionsStandardTransition: {
    usd: 0.025 / 1e3,
    per: 'Step Functions Standard state transition',
    source: 'https://aws.amazon.com/step-functions/pricing/',
    confirmedOn: 'aws',
  },
  stepFunctionsExpressRequest: {
    usd: 1 / 1e6,
    per: 'Step Functions Express request',
    source: 'https://aws.amazon.com/blogs/compute/building-cost-effective-aws-step-functions-workflows/',
    confirmedOn: 'aws',
  },
  stepFunctionsExpressGbSecond: {
    usd: 0.00001667,
    per: 'Step Functions Express GB-second (billed per 100 ms and 64 MB)',
    source:
      'https://www.wring.co/blog/aws-step-functions-pricing-guide (AWS page: https://aws.amazon.com/step-functions/pricing/)',
    confirmedOn: 'quoted',
  },
} as const satisfies Record<string, Price>;

export interface LambdaUse {
  readonly name: string;
  /** Invocations per delivery (a batch of 10 messages is 0.1). */
  readonly invocations: number;
  /** Duration of one invocation, ms (billed rounded up to the next ms). */
  readonly durationMs: number;
  readonly memoryMb: number;
}

/** What one delivery uses, on average. */
export interface DeliveryUsage {
  readonly apiGatewayRequests: number;
  readonly lambdas: readonly LambdaUse[];
  readonly sqsRequests: number;
  readonly writeRequestUnits: number;
  readonly readRequestUnits: number;
  readonly secretsManagerCalls: number;
  /** The workflow started per delivery, when it is a Standard one: its state transitions. */
  readonly standardTransitions: number;
  /** …or, when it is an Express one: its duration (ms) and memory (MB), billed per 100 ms and 64 MB. */
  readonly express?: { readonly durationMs: number; readonly memoryMb: number };
}

export interface CostLine {
  readonly item: string;
  /** Units per million deliveries. */
  readonly quantity: number;
  readonly unitUsd: number;
  readonly usd: number;
  readonly source: string;
}

const MILLION = 1e6;

function line(item: string, perDelivery: number, price: Price): CostLine {
  const quantity = perDelivery * MILLION;
  return { item, quantity, unitUsd: price.usd, usd: quantity * price.usd, source: price.source };
}

/** The bill for a million deliveries, line by line (free tiers ignored). */
export function costPerMillion(usage: DeliveryUsage): CostLine[] {
  const lines: CostLine[] = [line('API Gateway REST requests', usage.apiGatewayRequests, PRICES.apiGatewayRestRequest)];
  for (const fn of usage.lambdas) {
    lines.push(line(`Lambda ${fn.name} requests`, fn.invocations, PRICES.lambdaRequest));
    const gbSeconds = (Math.ceil(fn.durationMs) / 1000) * (fn.memoryMb / 1024);
    lines.push(
      line(
        `Lambda ${fn.name} duration (${Math.ceil(fn.durationMs)} ms × ${fn.memoryMb} MB)`,
        fn.invocations * gbSeconds,
        PRICES.lambdaArmGbSecond,
      ),
    );
  }
  lines.push(line('SQS FIFO requests', usage.sqsRequests, PRICES.sqsFifoRequest));
  lines.push(line('DynamoDB write request units', usage.writeRequestUnits, PRICES.dynamodbWriteRequestUnit));
  lines.push(line('DynamoDB read request units', usage.readRequestUnits, PRICES.dynamodbReadRequestUnit));
  lines.push(line('Secrets Manager calls', usage.secretsManagerCalls, PRICES.secretsManagerCall));
  if (usage.express) {
    const seconds = Math.ceil(usage.express.durationMs / 100) / 10;
    const gb = (Math.ceil(usage.express.memoryMb / 64) * 64) / 1024;
    lines.push(line('Step Functions Express requests', 1, PRICES.stepFunctionsExpressRequest));
    lines.push(line('Step Functions Express duration', seconds * gb, PRICES.stepFunctionsExpressGbSecond));
  } else {
    lines.push(
      line('Step Functions Standard transitions', usage.standardTransitions, PRICES.stepFunctionsStandardTransition),
    );
  }
  return lines;
}

export function totalUsd(lines: readonly CostLine[]): number {
  return lines.reduce((sum, l) => sum + l.usd, 0);
}

/** SQS bills each 64 KB chunk of a request's payload as one request. */
export function sqsRequestsFor(payloadBytes: number): number {
  return Math.max(1, Math.ceil(payloadBytes / (64 * 1024)));
}

/** A hosted webhook gateway's public price, for comparison. */
export interface HostedPrice {
  readonly name: string;
  /** USD per million events, when the page states a price that gives one. */
  readonly usdPerMillion?: number;
  readonly detail: string;
  readonly source: string;
}

export const HOSTED: readonly HostedPrice[] = [
  {
    name: 'Hookbase Business',
    usdPerMillion: 79 / 2,
    detail: '$79 a month for 2 million events',
    source:
      'https://www.hookbase.app/pricing (as transcribed in https://raw.githubusercontent.com/api-evangelist/hookbase/refs/heads/main/plans/hookbase-plans-pricing.yml)',
  },
  {
    name: 'Hookdeck Team',
    detail: 'from $39 a month with 10,000 events, then metered (the per-event rate was not in the page text found)',
    source:
      'https://hookdeck.com/pricing (as transcribed in https://raw.githubusercontent.com/api-evangelist/hookdeck/refs/heads/main/plans/hookdeck-plans-pricing.yml)',
  },
];
