import type { AssemblyStack, Template, TemplateResource } from './assembly';

/** Where the local gateway pretends to run: every local ARN uses these. */
export const LOCAL_ENV = { region: 'us-east-1', account: '000000000000', partition: 'aws' } as const;

export class UnresolvableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnresolvableError';
  }
}

/**
 * Resolves CloudFormation intrinsic functions in a synthesized template the way a local deployment
 * would: physical names default to the logical id, ARNs use LOCAL_ENV. Supports what CDK emits for
 * the values the gateway reads: Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select, Fn::Split, Fn::If
 * (conditions unsupported → first branch is never guessed: it throws), and references to other
 * stacks of the app (Fn::GetStackOutput, Fn::ImportValue) when given `stacks`.
 */
export class TemplateResolver {
  constructor(
    private readonly template: Template,
    private readonly parameters: Readonly<Record<string, unknown>> = {},
    private readonly stacks: readonly AssemblyStack[] = [],
  ) {}

  resolve(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((v) => this.resolve(v));
    if (value === null || typeof value !== 'object') return value;
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj);
    if (keys.length === 1) {
      const key = keys[0]!;
      const arg = obj[key];
      switch (key) {
        case 'Ref':
          return this.ref(String(arg));
        case 'Fn::GetAtt': {
          const [id, attr] = Array.isArray(arg) ? (arg as string[]) : String(arg).split(/\.(.*)/s);
          return this.getAtt(String(id), String(attr));
        }
        case 'Fn::Join': {
          const [sep, parts] = arg as [string, unknown[]];
          return (this.resolve(parts) as unknown[]).map(String).join(sep);
        }
        case 'Fn::Select': {
          const [index, list] = arg as [unknown, unknown];
          return (this.resolve(list) as unknown[])[Number(this.resolve(index))];
        }
        case 'Fn::Split': {
          const [sep, text] = arg as [string, unknown];
          return String(this.resolve(text)).split(sep);
        }
        case 'Fn::Sub':
          return this.sub(arg);
        case 'Fn::GetStackOutput': {
          const { StackName, OutputName } = arg as { StackName: unknown; OutputName: unknown };
          return this.stackOutput(String(this.resolve(StackName)), String(this.resolve(OutputName)));
        }
        case 'Fn::ImportValue':
          return this.importValue(String(this.resolve(arg)));
        default:
          if (key.startsWith('Fn::') || key === 'Condition')
            throw new UnresolvableError(`${key} is not supported locally`);
      }
    }
    return Object.fromEntries(keys.map((k) => [k, this.resolve(obj[k])]));
  }

  resource(logicalId: string): TemplateResource {
    const resource = this.template.Resources?.[logicalId];
    if (!resource) throw new UnresolvableError(`the template has no resource ${logicalId}`);
    return resource;
  }

  ref(logicalId: string): unknown {
    switch (logicalId) {
      case 'AWS::Region':
        return LOCAL_ENV.region;
      case 'AWS::AccountId':
        return LOCAL_ENV.account;
      case 'AWS::Partition':
        return LOCAL_ENV.partition;
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      case 'AWS::StackName':
        return 'local';
      case 'AWS::NoValue':
        return undefined;
    }
    if (logicalId in this.parameters) return this.parameters[logicalId];
    const resource = this.resource(logicalId);
    const name = this.physicalName(logicalId, resource);
    switch (resource.Type) {
      case 'AWS::StepFunctions::StateMachine':
      case 'AWS::SecretsManager::Secret':
      case 'AWS::SNS::Topic':
        return this.arnOf(logicalId);
      case 'AWS::SQS::Queue':
        return `http://127.0.0.1/${LOCAL_ENV.account}/${name}`;
      case 'AWS::StepFunctions::StateMachineAlias':
        return `${this.resolve(this.firstRouteTarget(resource))}:${name}`;
      case 'AWS::StepFunctions::StateMachineVersion':
        return `${this.resolve(resource.Properties?.StateMachineArn)}:1`;
      default:
        return name;
    }
  }

  getAtt(logicalId: string, attribute: string): unknown {
    const resource = this.resource(logicalId);
    if (attribute === 'Arn') return this.arnOf(logicalId);
    if (attribute === 'Name' || attribute === 'QueueName' || attribute === 'TableName')
      return this.physicalName(logicalId, resource);
    if (attribute === 'QueueUrl') return this.ref(logicalId);
    if (attribute.startsWith('Outputs.') && resource.Type === 'AWS::CloudFormation::Stack') {
      throw new UnresolvableError(`nested stack output ${logicalId}.${attribute} must be resolved by the caller`);
    }
    return `${logicalId}.${attribute}`;
  }

  /** The physical name: the explicit name property when it resolves, else the logical id. */
  physicalName(logicalId: string, resource: TemplateResource = this.resource(logicalId)): string {
    const props = resource.Properties ?? {};
    for (const key of [
      'StateMachineName',
      'TableName',
      'QueueName',
      'BucketName',
      'FunctionName',
      'Name',
      'TopicName',
    ]) {
      if (props[key] !== undefined) return String(this.resolve(props[key]));
    }
    return logicalId;
  }

  arnOf(logicalId: string): string {
    const resource = this.resource(logicalId);
    const name = this.physicalName(logicalId, resource);
    const { region, account, partition } = LOCAL_ENV;
    const service: Record<string, string> = {
      'AWS::StepFunctions::StateMachine': `states:${region}:${account}:stateMachine:${name}`,
      'AWS::SecretsManager::Secret': `secretsmanager:${region}:${account}:secret:${name}`,
      'AWS::DynamoDB::Table': `dynamodb:${region}:${account}:table/${name}`,
      'AWS::SQS::Queue': `sqs:${region}:${account}:${name}`,
      'AWS::S3::Bucket': `s3:::${name}`,
      'AWS::Lambda::Function': `lambda:${region}:${account}:function:${name}`,
      'AWS::SNS::Topic': `sns:${region}:${account}:${name}`,
    };
    const rest =
      service[resource.Type] ?? `${resource.Type.split('::')[1]!.toLowerCase()}:${region}:${account}:${name}`;
    return `arn:${partition}:${rest}`;
  }

  /** An output of another stack of the app (a weak cross-stack reference). */
  private stackOutput(stackName: string, outputName: string): unknown {
    const stack = this.stacks.find((s) => s.stackName === stackName);
    const output = stack?.template.Outputs?.[outputName];
    if (!stack || !output) throw new UnresolvableError(`the app has no output ${outputName} in stack ${stackName}`);
    return new TemplateResolver(stack.template, {}, this.stacks).resolve(output.Value);
  }

  /** The output another stack of the app exports under `name`. */
  private importValue(name: string): unknown {
    for (const stack of this.stacks) {
      const resolver = new TemplateResolver(stack.template, {}, this.stacks);
      for (const output of Object.values(stack.template.Outputs ?? {})) {
        if (output.Export !== undefined && resolver.resolve(output.Export.Name) === name)
          return resolver.resolve(output.Value);
      }
    }
    throw new UnresolvableError(`no stack of the app exports ${name}`);
  }

  private firstRouteTarget(alias: TemplateResource): unknown {
    const routes = alias.Properties?.RoutingConfiguration as { StateMachineVersionArn: unknown }[] | undefined;
    if (!routes?.[0]) throw new UnresolvableError('state machine alias without a routing configuration');
    const versionArn = String(this.resolve(routes[0].StateMachineVersionArn));
    return versionArn.replace(/:\d+$/, '');
  }

  private sub(arg: unknown): string {
    const [text, vars] = Array.isArray(arg) ? (arg as [string, Record<string, unknown>]) : [String(arg), {}];
    return text.replace(/\$\{([^}!][^}]*)\}/g, (_m, name: string) => {
      if (name in vars) return String(this.resolve(vars[name]));
      const [id, attr] = name.split(/\.(.*)/s);
      return String(attr ? this.getAtt(id!, attr) : this.ref(id!));
    });
  }
}
