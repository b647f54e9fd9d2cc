import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { App, CfnOutput, CfnResource, Fn, NestedStack, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEMPLATE_LIMITS } from '../support/template-limits';
import { type Finding, ResourceSpecs, validateAssembly, validateTemplate } from '../support/template-schema';

let specs: ResourceSpecs;
beforeAll(() => {
  specs = ResourceSpecs.load();
});

const TMP = resolve('test/.tmp');
mkdirSync(TMP, { recursive: true });
const outdirs: string[] = [];
afterAll(() => outdirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function app(): App {
  const outdir = mkdtempSync(join(TMP, 'schema-'));
  outdirs.push(outdir);
  return new App({ outdir, builtinCloudFormationValidation: false });
}

/** Findings of one stack's template, as `[rule, path]`. */
function check(stack: Stack): [string, string][] {
  const template = App.of(stack)!.synth().getStackByName(stack.stackName).template;
  return validateTemplate(template, { name: stack.stackName, specs }).map((f) => [f.rule, f.path]);
}

function checkTemplate(template: unknown, options: Partial<Parameters<typeof validateTemplate>[1]> = {}): Finding[] {
  return validateTemplate(template, { name: 'template', specs, ...options });
}

/** A template with one resource of `type` and these properties. */
function one(type: string, properties: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return { Resources: { It: { Type: type, Properties: properties } }, ...extra };
}

const QUEUE = 'AWS::SQS::Queue';

describe('template schema check', () => {
  it('accepts what CDK constructs synthesize', () => {
    const stack = new Stack(app(), 'Valid');
    const table = new dynamodb.Table(stack, 'Table', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    });
    const fn = new lambda.Function(stack, 'Fn', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => 1'),
      environment: { TABLE: table.tableName },
      logGroup: new logs.LogGroup(stack, 'Logs', { retention: logs.RetentionDays.ONE_WEEK }),
    });
    table.grantReadData(fn);
    new sqs.Queue(stack, 'Queue', {
      fifo: true,
      deadLetterQueue: { queue: new sqs.Queue(stack, 'Dlq', { fifo: true }), maxReceiveCount: 3 },
    });
    new CfnOutput(stack, 'Arn', { value: fn.functionArn, exportName: 'ValidFunctionArn' });
    expect(check(stack)).toEqual([]);
  });

  it('fails if an escape hatch adds an unknown property, and says which type lacks it', () => {
    const stack = new Stack(app(), 'Unknown');
    const queue = new sqs.Queue(stack, 'Queue');
    (queue.node.defaultChild as sqs.CfnQueue).addPropertyOverride('VisibilityTimeoutSeconds', 30);
    (queue.node.defaultChild as sqs.CfnQueue).addPropertyOverride('RedriveAllowPolicy.Nested', 1);
    const findings = checkTemplate(App.of(stack)!.synth().getStackByName('Unknown').template);
    expect(findings.map((f) => [f.rule, f.path, f.resource, f.message])).toEqual([
      [
        'unknown-property',
        expect.stringMatching(/^Resources\.Queue\w+\.Properties\.VisibilityTimeoutSeconds$/),
        expect.stringMatching(/^Queue/),
        'Queue has no property "VisibilityTimeoutSeconds"',
      ],
    ]);
    // RedriveAllowPolicy is JSON: what is inside is not checked.
  });

  it('fails on a wrong type: scalar, list, map and nested type, recursively', () => {
    const stack = new Stack(app(), 'Types');
    const fn = new lambda.CfnFunction(stack, 'Fn', {
      code: { zipFile: 'x' },
      role: 'arn:aws:iam::123456789012:role/r',
    });
    fn.addPropertyOverride('MemorySize', 'lots');
    fn.addPropertyOverride('Architectures', 'arm64');
    fn.addPropertyOverride('Environment.Variables', ['A=1']);
    fn.addPropertyOverride('TracingConfig', 'Active');
    fn.addPropertyOverride('Tags', [{ Key: 'team', Value: { nested: true } }]);
    fn.addPropertyOverride('VpcConfig.SubnetIds', [['subnet-1']]);
    expect(check(stack).sort()).toEqual([
      ['type', 'Resources.Fn.Properties.Architectures'],
      ['type', 'Resources.Fn.Properties.Environment.Variables'],
      ['type', 'Resources.Fn.Properties.MemorySize'],
      ['type', 'Resources.Fn.Properties.Tags[0].Value'],
      ['type', 'Resources.Fn.Properties.TracingConfig'],
      ['type', 'Resources.Fn.Properties.VpcConfig.SubnetIds[0]'],
    ]);
  });

  it('accepts scalars CloudFormation converts: "30" for an integer, a number for a string, "true" for a boolean', () => {
    expect(checkTemplate(one(QUEUE, { DelaySeconds: '30', QueueName: 42, FifoQueue: 'true' }))).toEqual([]);
    expect(checkTemplate(one(QUEUE, { DelaySeconds: '1.5', FifoQueue: 'yes' })).map((f) => f.path)).toEqual([
      'Resources.It.Properties.DelaySeconds',
      'Resources.It.Properties.FifoQueue',
    ]);
  });

  it('fails on a value outside an enum, string or integer', () => {
    const stack = new Stack(app(), 'Enums');
    new logs.CfnLogGroup(stack, 'Logs', { retentionInDays: 2 });
    const fn = new lambda.CfnFunction(stack, 'Fn', {
      code: { zipFile: 'x' },
      role: 'arn:aws:iam::123456789012:role/r',
    });
    fn.addPropertyOverride('TracingConfig.Mode', 'Sometimes');
    const findings = validateTemplate(App.of(stack)!.synth().getStackByName('Enums').template, {
      name: 'Enums',
      specs,
    });
    expect(findings.map((f) => [f.rule, f.path, f.message])).toEqual([
      [
        'enum',
        'Resources.Logs.Properties.RetentionInDays',
        expect.stringMatching(/^2 is not one of 1, 3, 5, 7, 14, 30/),
      ],
      ['enum', 'Resources.Fn.Properties.TracingConfig.Mode', '"Sometimes" is not one of "Active", "PassThrough"'],
    ]);
  });

  it('fails on a missing required property, at the top and in a nested type', () => {
    const stack = new Stack(app(), 'Required');
    const table = new dynamodb.Table(stack, 'Table', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    });
    (table.node.defaultChild as CfnResource).addPropertyDeletionOverride('KeySchema');
    new CfnResource(stack, 'Plan', {
      type: 'AWS::ApiGateway::UsagePlanKey',
      properties: { KeyId: 'k', UsagePlanId: 'p' },
    });
    new CfnResource(stack, 'Tagged', { type: QUEUE, properties: { Tags: [{ Key: 'only-key' }] } });
    expect(check(stack)).toEqual([
      ['required', expect.stringMatching(/^Resources\.Table\w+\.Properties\.KeySchema$/)],
      ['required', 'Resources.Plan.Properties.KeyType'],
      ['required', 'Resources.Tagged.Properties.Tags[0].Value'],
    ]);
  });

  it('fails on a custom resource without ServiceToken; its other properties are free-form', () => {
    const stack = new Stack(app(), 'Custom');
    new CfnResource(stack, 'Without', { type: 'Custom::Thing', properties: { Anything: { goes: [1] } } });
    new CfnResource(stack, 'With', {
      type: 'AWS::CloudFormation::CustomResource',
      properties: { ServiceToken: 'arn', X: 1 },
    });
    expect(check(stack)).toEqual([['required', 'Resources.Without.Properties.ServiceToken']]);
  });

  it('fails on an unknown resource type, resource attribute or template section', () => {
    const template = {
      ...one('AWS::SQS::Queues', {}),
      Resources: {
        It: { Type: 'AWS::SQS::Queues' },
        Other: { Type: QUEUE, DeletionPolicy: 'Keep', DependOn: 'It' },
      },
      Output: {},
    };
    expect(checkTemplate(template).map((f) => [f.rule, f.path])).toEqual([
      ['section', 'Output'],
      ['resource-type', 'Resources.It.Type'],
      ['resource-attribute', 'Resources.Other.DependOn'],
      ['resource-attribute', 'Resources.Other.DeletionPolicy'],
    ]);
  });
});

describe('intrinsic functions', () => {
  it('accepts an intrinsic where its result fits, and checks the literal parts of Fn::Join, Fn::Sub and Fn::If', () => {
    const ok = one(
      QUEUE,
      {
        QueueName: { 'Fn::Join': ['-', ['a', { Ref: 'AWS::StackName' }, { 'Fn::Select': [0, ['x', 'y']] }]] },
        DelaySeconds: { 'Fn::If': ['Prod', 10, { Ref: 'AWS::NoValue' }] },
        KmsMasterKeyId: { 'Fn::Sub': ['alias/${Name}-${AWS::Region}-${!Literal}', { Name: { Ref: 'Env' } }] },
        Tags: { 'Fn::If': ['Prod', [{ Key: 'env', Value: 'prod' }], []] },
      },
      {
        Parameters: { Env: { Type: 'String' } },
        Conditions: { Prod: { 'Fn::Equals': [{ Ref: 'Env' }, 'prod'] } },
      },
    );
    expect(checkTemplate(ok)).toEqual([]);

    const broken = one(
      QUEUE,
      {
        QueueName: { 'Fn::Join': ['-', ['a', { nested: 'object' }]] },
        DelaySeconds: { 'Fn::If': ['Prod', 'ten', 5] },
        Tags: { 'Fn::Join': ['', ['a']] },
        FifoQueue: { 'Fn::Split': [',', 'a,b'] },
      },
      { Conditions: { Prod: { 'Fn::Equals': ['a', 'a'] } } },
    );
    expect(checkTemplate(broken).map((f) => [f.rule, f.path])).toEqual([
      ['type', 'Resources.It.Properties.QueueName.Fn::Join[1][1]'],
      ['type', 'Resources.It.Properties.DelaySeconds.Fn::If[1]'],
      ['type', 'Resources.It.Properties.Tags'],
      ['type', 'Resources.It.Properties.FifoQueue'],
    ]);
  });

  it('resolves Fn::FindInMap and Fn::Select of literals and checks the value they pick', () => {
    const template = one(
      QUEUE,
      {
        DelaySeconds: { 'Fn::FindInMap': ['Sizes', 'prod', 'delay'] },
        MaximumMessageSize: { 'Fn::Select': [1, [1024, 'big']] },
        QueueName: { 'Fn::FindInMap': ['Sizes', 'test', 'delay'] },
      },
      { Mappings: { Sizes: { prod: { delay: 'long' } } } },
    );
    expect(checkTemplate(template).map((f) => [f.rule, f.path])).toEqual([
      ['type', 'Mappings.Sizes.prod.delay'],
      ['type', 'Resources.It.Properties.MaximumMessageSize.Fn::Select[1][1]'],
      ['ref', 'Resources.It.Properties.QueueName.Fn::FindInMap[1]'],
    ]);
  });

  it('fails on a Ref, Fn::GetAtt or ${} naming nothing in the template, or an attribute the type lacks', () => {
    const stack = new Stack(app(), 'Refs');
    const queue = new sqs.CfnQueue(stack, 'Queue');
    new CfnOutput(stack, 'Missing', { value: Fn.ref('Ghost') });
    new CfnOutput(stack, 'Attribute', { value: queue.getAtt('Url').toString() });
    new CfnOutput(stack, 'Sub', { value: Fn.sub('${Queue.Arn}/${Queue.Nope}/${Phantom}') });
    new CfnOutput(stack, 'Known', {
      value: Fn.join(',', [queue.attrArn, queue.attrQueueUrl, queue.ref, Fn.ref('AWS::URLSuffix')]),
    });
    const findings = validateTemplate(App.of(stack)!.synth().getStackByName('Refs').template, { name: 'Refs', specs });
    expect(findings.map((f) => [f.rule, f.path, f.message])).toEqual([
      ['ref', 'Outputs.Missing.Value.Ref', expect.stringContaining('"Ghost"')],
      [
        'getatt',
        'Outputs.Attribute.Value.Fn::GetAtt',
        'AWS::SQS::Queue has no attribute "Url" (it has: Arn, QueueName, QueueUrl)',
      ],
      ['getatt', 'Outputs.Sub.Value.Fn::Sub', expect.stringContaining('"Nope"')],
      ['ref', 'Outputs.Sub.Value.Fn::Sub', expect.stringContaining('"Phantom"')],
    ]);
  });

  it('fails on a Ref to nothing inside Fn::Length, Fn::ToJsonString and Fn::Transform', () => {
    const template = one(QUEUE, {
      QueueName: { 'Fn::ToJsonString': { a: { Ref: 'Ghost' } } },
      DelaySeconds: { 'Fn::Length': [{ Ref: 'Phantom' }] },
      Tags: { 'Fn::Transform': { Name: 'AWS::Include', Parameters: { Location: { Ref: 'Nowhere' } } } },
    });
    expect(checkTemplate(template).map((f) => [f.rule, f.path])).toEqual([
      ['ref', 'Resources.It.Properties.QueueName.Fn::ToJsonString.a.Ref'],
      ['ref', 'Resources.It.Properties.DelaySeconds.Fn::Length[0].Ref'],
      ['ref', 'Resources.It.Properties.Tags.Fn::Transform.Parameters.Location.Ref'],
    ]);
  });

  it('fails on a DependsOn, Condition or Fn::If naming nothing, an unknown function and a dependency cycle', () => {
    const template = {
      Conditions: { Real: { 'Fn::Equals': ['a', 'b'] }, Bad: { Condition: 'Missing' } },
      Resources: {
        A: { Type: QUEUE, DependsOn: ['B', 'Ghost'], Condition: 'Nope' },
        B: { Type: QUEUE, Properties: { QueueName: { 'Fn::GetAtt': ['A', 'QueueName'] } } },
        C: {
          Type: QUEUE,
          Properties: { QueueName: { 'Fn::Concat': ['a', 'b'] }, DelaySeconds: { 'Fn::If': ['Unknown', 1, 2] } },
        },
      },
      Outputs: { Kept: { Value: 'x', Condition: 'Real' }, Dropped: { Value: 'y', Condition: 'Nowhere' } },
    };
    expect(checkTemplate(template).map((f) => [f.rule, f.path, f.message])).toEqual([
      ['condition', 'Conditions.Bad.Condition', expect.any(String)],
      ['depends-on', 'Resources.A.DependsOn', expect.stringContaining('"Ghost"')],
      ['condition', 'Resources.A.Condition', expect.any(String)],
      ['intrinsic', 'Resources.C.Properties.QueueName.Fn::Concat', 'unknown intrinsic function Fn::Concat'],
      ['condition', 'Resources.C.Properties.DelaySeconds.Fn::If[0]', expect.stringContaining('"Unknown"')],
      ['condition', 'Outputs.Dropped.Condition', 'condition "Nowhere" is not in Conditions'],
      ['cycle', 'Resources.A', 'circular dependency: A → B → A'],
    ]);
  });

  it('checks Fn::GetStackOutput (a weak cross-stack reference) against the outputs of the other stack', () => {
    const template = one(QUEUE, {
      QueueName: {
        'Fn::GetStackOutput': { StackName: 'Producer', OutputName: 'QueueName', Region: { Ref: 'AWS::Region' } },
      },
      KmsMasterKeyId: { 'Fn::GetStackOutput': { StackName: 'Producer', OutputName: 'KeyArn' } },
      DelaySeconds: { 'Fn::GetStackOutput': { StackName: 'Producer' } },
    });
    const stackOutputs = (name: string) => (name === 'Producer' ? new Set(['QueueName']) : undefined);
    expect(checkTemplate(template, { stackOutputs }).map((f) => [f.rule, f.path])).toEqual([
      ['ref', 'Resources.It.Properties.KmsMasterKeyId.Fn::GetStackOutput.OutputName'],
      ['required', 'Resources.It.Properties.DelaySeconds.Fn::GetStackOutput.OutputName'],
    ]);
  });

  it('fails on an export name or Fn::ImportValue that names a resource', () => {
    const template = {
      Resources: {
        It: { Type: QUEUE, Properties: { QueueName: { 'Fn::ImportValue': { 'Fn::Sub': '${Other}-name' } } } },
        Other: { Type: QUEUE },
      },
      Outputs: {
        ByStack: { Value: 'x', Export: { Name: { 'Fn::Sub': '${AWS::StackName}-x' } } },
        ByResource: { Value: 'x', Export: { Name: { 'Fn::Join': ['-', [{ Ref: 'Other' }, 'x']] } } },
      },
    };
    expect(checkTemplate(template).map((f) => [f.rule, f.path])).toEqual([
      ['intrinsic', 'Resources.It.Properties.QueueName.Fn::ImportValue'],
      ['intrinsic', 'Outputs.ByResource.Export.Name'],
    ]);
  });
});

describe('template quotas', () => {
  const queues = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`Q${i}`, { Type: QUEUE }]));

  it(`fails past ${TEMPLATE_LIMITS.resources} resources, ${TEMPLATE_LIMITS.outputs} outputs or ${TEMPLATE_LIMITS.parameters} parameters`, () => {
    const outputs = Object.fromEntries(Array.from({ length: 201 }, (_, i) => [`O${i}`, { Value: 'x' }]));
    const parameters = Object.fromEntries(Array.from({ length: 201 }, (_, i) => [`P${i}`, { Type: 'String' }]));
    expect(checkTemplate({ Resources: queues(500) })).toEqual([]);
    expect(
      checkTemplate({ Resources: queues(501), Outputs: outputs, Parameters: parameters }).map((f) => f.message),
    ).toEqual([
      '501 resources (CloudFormation allows 500 per template)',
      '201 outputs (CloudFormation allows 200 per template)',
      '201 parameters (CloudFormation allows 200 per template)',
    ]);
  });

  it('holds a template sent inline to 51,200 bytes and one read from S3 to 1 MB', () => {
    const template = one(QUEUE, { QueueName: 'q' }, { Description: 'x'.repeat(1000) });
    expect(checkTemplate(template, { delivery: 'inline', bodyBytes: 51_200 })).toEqual([]);
    expect(checkTemplate(template, { delivery: 'inline', bodyBytes: 51_201 }).map((f) => f.rule)).toEqual(['limit']);
    expect(checkTemplate(template, { delivery: 'url', bodyBytes: 51_201 })).toEqual([]);
    expect(checkTemplate(template, { delivery: 'url', bodyBytes: 1_000_001 }).map((f) => f.rule)).toEqual(['limit']);
    expect(checkTemplate({ ...template, Description: 'x'.repeat(1025) }).map((f) => f.path)).toEqual(['Description']);
  });

  it('fails on logical ids that are not alphanumeric or longer than 255 characters', () => {
    expect(
      checkTemplate({ Resources: { 'My-Queue': { Type: QUEUE }, ['Q'.repeat(256)]: { Type: QUEUE } } }).map(
        (f) => f.rule,
      ),
    ).toEqual(['section', 'limit']);
  });
});

describe('cloud assemblies and nested stacks', () => {
  function nestedApp() {
    const root = new Stack(app(), 'Parent');
    const nested = new NestedStack(root, 'Child');
    const queue = new sqs.Queue(root, 'Queue');
    const inner = new sqs.CfnQueue(nested, 'Inner', { queueName: queue.queueName });
    new CfnOutput(root, 'InnerArn', { value: inner.attrArn });
    return { root, nested, inner };
  }

  it('checks the parent and the nested templates, with the parameters and outputs that connect them', () => {
    const { root } = nestedApp();
    const result = validateAssembly(App.of(root)!.synth().directory, specs);
    expect(result.findings).toEqual([]);
    expect(result.templates.map((t) => [t.name.replace(/[0-9A-F]{8}\./, '.'), t.resources, t.delivery])).toEqual([
      ['Parent.template.json', 2, 'url'],
      ['ParentChild.nested.template.json', 1, 'url'],
    ]);
  });

  it('fails on a nested property, a parameter the child lacks or a missing one, and an output it does not have', () => {
    const intact = nestedApp();
    const passed = Object.values(App.of(intact.root)!.synth().getStackByName('Parent').template.Resources)
      .map((r) => (r as { Properties?: { Parameters?: object } }).Properties?.Parameters)
      .find(Boolean)!;
    const { root, nested, inner } = nestedApp();
    inner.addPropertyOverride('DelaySeconds', 'soon');
    const resource = nested.nestedStackResource as CfnResource;
    for (const name of Object.keys(passed)) resource.addPropertyDeletionOverride(`Parameters.${name}`);
    resource.addPropertyOverride('Parameters.Unknown', 'x');
    new CfnOutput(root, 'Missing', { value: Fn.getAtt(resource.logicalId, 'Outputs.Nope').toString() });
    const findings = validateAssembly(App.of(root)!.synth().directory, specs).findings;
    expect(
      findings.map((f) => [
        f.template.replace(/[0-9A-F]{8}\./, '.'),
        f.rule,
        f.path.replace(/Resources\.\w+\./, 'Resources.<id>.'),
        f.message,
      ]),
    ).toEqual([
      [
        'Parent.template.json',
        'nested-stack',
        'Resources.<id>.Properties.Parameters',
        expect.stringMatching(/^passes "Unknown", which .* does not declare$/),
      ],
      [
        'Parent.template.json',
        'nested-stack',
        'Resources.<id>.Properties.Parameters',
        expect.stringMatching(/^does not pass "\w+QueueName", which .* requires/),
      ],
      [
        'Parent.template.json',
        'getatt',
        'Outputs.Missing.Value.Fn::GetAtt',
        expect.stringMatching(/ has no output "Nope"$/),
      ],
      [
        'ParentChild.nested.template.json',
        'type',
        'Resources.<id>.Properties.DelaySeconds',
        'expected integer, got string "soon"',
      ],
    ]);
  });
});
