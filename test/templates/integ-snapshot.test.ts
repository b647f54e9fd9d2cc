import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INTEG_SNAPSHOT, snapshotDifferences, synthesizeIntegApp, UPDATE_COMMAND } from '../support/integ-snapshot';
import { formatFindings, validateAssembly } from '../support/template-schema';

const TMP = resolve('test/.tmp');
mkdirSync(TMP, { recursive: true });
const outdir = mkdtempSync(join(TMP, 'integ-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

beforeAll(() => {
  const started = performance.now();
  // Without bundling: asset hashes are all that bundling changes, and the comparison ignores them.
  synthesizeIntegApp(outdir, { bundle: false });
  console.log(`integ app synthesized in ${Math.round(performance.now() - started)} ms`);
});

type Template = { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
const template = (file: string): Template => JSON.parse(readFileSync(join(outdir, file), 'utf8'));

describe('integration test (test/integ/integ.gateway.ts), offline', () => {
  it('synthesizes to the committed snapshot', () => {
    const differences = snapshotDifferences(outdir);
    expect(
      differences,
      `test/integ/integ.gateway.ts.snapshot is out of date:\n${differences.join('\n')}\n` +
        `If the change is intended, run \`${UPDATE_COMMAND}\` and commit the snapshot.`,
    ).toEqual([]);
  });

  it('passes the template schema check, assertion stack included', () => {
    const result = validateAssembly(outdir);
    expect(result.templates.map((t) => t.name)).toContain('WebhookGatewayIntegAssertions.template.json');
    expect(formatFindings(result.findings)).toBe('');
  });

  it('asserts 202 for signed deliveries, 405 for GET, 401 unsigned and 404 for an unknown webhook', () => {
    const { Resources } = template('WebhookGatewayIntegAssertions.template.json');
    const calls = Object.values(Resources).filter((r) => r.Type === 'Custom::DeployAssert@HttpCall');
    const summary = calls.map((r) => {
      const { fetchOptions, url } = r.Properties.parameters as {
        url: { 'Fn::Join': [string, unknown[]] };
        fetchOptions: { method: string; headers?: Record<string, unknown> };
      };
      return {
        path: url['Fn::Join'][1].at(-1),
        method: fetchOptions.method,
        signature: fetchOptions.headers?.['x-hub-signature-256'],
        expected: JSON.parse(r.Properties.expected as string).$ObjectLike.status,
      };
    });
    const signedBy = { 'Fn::GetAtt': [expect.stringMatching(/^LambdaInvoke/), 'apiCallResponse.Payload.signature'] };
    expect(summary).toEqual(
      expect.arrayContaining([
        { path: '/webhooks/github', method: 'POST', signature: signedBy, expected: 202 },
        { path: '/webhooks/github', method: 'GET', signature: undefined, expected: 405 },
        { path: '/webhooks/github', method: 'POST', signature: undefined, expected: 401 },
        { path: '/webhooks/no-such-webhook', method: 'POST', signature: undefined, expected: 404 },
      ]),
    );
    expect(summary.filter((s) => s.expected === 202 && s.signature)).toHaveLength(2);
  });

  it('reads back the enqueued record and the routed workflow, started then finished by the approving review', () => {
    const { Resources } = template('WebhookGatewayIntegAssertions.template.json');
    const sdk = Object.values(Resources)
      .filter((r) => r.Type.startsWith('Custom::DeployAssert@SdkCall'))
      .map((r) => [r.Properties.api, r.Properties.actualPath, r.Properties.expected]);
    expect(sdk).toEqual(
      expect.arrayContaining([
        ['query', 'Items.0.status.S', JSON.stringify({ $Exact: 'enqueued' })],
        ['listExecutions', 'executions.0.status', JSON.stringify({ $Exact: 'RUNNING' })],
        ['describeExecution', 'input.deliveryId', JSON.stringify({ $Exact: 'integ-pull-request-opened' })],
        ['describeExecution', 'output.approvedBy', JSON.stringify({ $Exact: 'integ-reviewer' })],
      ]),
    );
  });
});

describe('snapshot comparison', () => {
  const copy = () => {
    const dir = mkdtempSync(join(TMP, 'integ-copy-'));
    cpSync(INTEG_SNAPSHOT, dir, { recursive: true });
    return dir;
  };
  const edit = (dir: string, file: string, change: (t: Template) => void) => {
    const t = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Template;
    change(t);
    writeFileSync(join(dir, file), JSON.stringify(t));
  };

  it('ignores asset hashes and assertion salts, and names what changed otherwise', () => {
    const dir = copy();
    try {
      const main = 'WebhookGatewayInteg.template.json';
      edit(dir, main, (t) => {
        const fn = Object.values(t.Resources).find((r) => r.Type === 'AWS::Lambda::Function')!;
        (fn.Properties.Code as { S3Key: string }).S3Key = `${'a'.repeat(64)}.zip`;
      });
      edit(dir, 'WebhookGatewayIntegAssertions.template.json', (t) => {
        for (const r of Object.values(t.Resources)) if ('salt' in (r.Properties ?? {})) r.Properties.salt = '1';
      });
      expect(snapshotDifferences(dir)).toEqual([]);

      const [queue] = Object.entries(template(main).Resources).find(([, r]) => r.Type === 'AWS::SQS::Queue')!;
      const [table] = Object.entries(template(main).Resources).find(([, r]) => r.Type === 'AWS::DynamoDB::Table')!;
      edit(dir, main, (t) => {
        t.Resources[queue]!.Properties.MessageRetentionPeriod = 60;
        delete t.Resources[table];
      });
      // `dir` is now the synthesis, the committed snapshot what it is compared with.
      expect(snapshotDifferences(dir, INTEG_SNAPSHOT).sort()).toEqual([
        `[-] ${main} Resources.${table}`,
        `[~] ${main} Resources.${queue}.Properties.MessageRetentionPeriod`,
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
