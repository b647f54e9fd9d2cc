// Secrets Manager and Step Functions have no local server here: a small HTTP server answers the two
// calls the handlers make at their first request (GetSecretValue, StartExecution) on the JSON
// protocols, so that a handler bundle in a child process runs unchanged, its SDK pointed here with
// AWS_ENDPOINT_URL_SECRETS_MANAGER / AWS_ENDPOINT_URL_SFN.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface AwsStubs {
  readonly endpoint: string;
  /** Calls answered, by X-Amz-Target. */
  readonly calls: Map<string, number>;
  stop(): Promise<void>;
}

export async function startAwsStubs(secrets: Readonly<Record<string, string>>): Promise<AwsStubs> {
  const calls = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      calls.set(target, (calls.get(target) ?? 0) + 1);
      const input = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, string>;
      const reply = (status: number, body: unknown, type = 'application/x-amz-json-1.1') => {
        res.writeHead(status, { 'content-type': type });
        res.end(JSON.stringify(body));
      };
      if (target === 'secretsmanager.GetSecretValue') {
        const value = secrets[input['SecretId'] ?? ''];
        if (value === undefined) return reply(400, { __type: 'ResourceNotFoundException', message: 'not found' });
        return reply(200, {
          ARN: `arn:aws:secretsmanager:us-east-1:123456789012:secret:${input['SecretId']}`,
          Name: input['SecretId'],
          SecretString: value,
          VersionId: 'v1',
          CreatedDate: Date.now() / 1000,
        });
      }
      if (target === 'AWSStepFunctions.StartExecution') {
        const arn = String(input['stateMachineArn']).replace(':stateMachine:', ':execution:');
        return reply(
          200,
          { executionArn: `${arn}:${input['name']}`, startDate: Date.now() / 1000 },
          'application/x-amz-json-1.0',
        );
      }
      return reply(400, { __type: 'UnknownOperationException', message: target });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
