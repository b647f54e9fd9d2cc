/**
 * CloudFormation's template quotas
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html).
 */
export const TEMPLATE_LIMITS = {
  resources: 500,
  outputs: 200,
  parameters: 200,
  mappings: 200,
  mappingAttributes: 200,
  /** Logical ids of resources, and names of outputs, parameters and mappings. */
  nameLength: 255,
  descriptionBytes: 1024,
  /** `TemplateBody` in the CreateStack / CreateChangeSet request itself. */
  inlineBodyBytes: 51_200,
  /**
   * `TemplateURL`, an S3 object: "1 MB" in the quotas table, counted here as 1,000,000 bytes to
   * stay on the safe side of either reading. Nested stacks always use a URL; a CDK stack does
   * when its synthesizer uploads the template as an asset (the default, bootstrapped synthesizer).
   */
  urlBodyBytes: 1_000_000,
} as const;

/** How CloudFormation receives a template, which decides its size quota. */
export type TemplateDelivery = 'url' | 'inline';

export function bodyLimit(delivery: TemplateDelivery): number {
  return delivery === 'url' ? TEMPLATE_LIMITS.urlBodyBytes : TEMPLATE_LIMITS.inlineBodyBytes;
}

export const PSEUDO_PARAMETERS: ReadonlySet<string> = new Set([
  'AWS::AccountId',
  'AWS::NotificationARNs',
  'AWS::NoValue',
  'AWS::Partition',
  'AWS::Region',
  'AWS::StackId',
  'AWS::StackName',
  'AWS::URLSuffix',
]);

export const TEMPLATE_SECTIONS: ReadonlySet<string> = new Set([
  'AWSTemplateFormatVersion',
  'Description',
  'Metadata',
  'Parameters',
  'Rules',
  'Mappings',
  'Conditions',
  'Transform',
  'Resources',
  'Outputs',
  'Hooks',
]);

export const RESOURCE_ATTRIBUTES: ReadonlySet<string> = new Set([
  'Type',
  'Properties',
  'DependsOn',
  'Condition',
  'DeletionPolicy',
  'UpdateReplacePolicy',
  'UpdatePolicy',
  'CreationPolicy',
  'Metadata',
]);

export const DELETION_POLICIES: ReadonlySet<string> = new Set(['Delete', 'Retain', 'RetainExceptOnCreate', 'Snapshot']);
export const UPDATE_REPLACE_POLICIES: ReadonlySet<string> = new Set(['Delete', 'Retain', 'Snapshot']);

const PARAMETER_TYPE =
  /^(String|Number|List<Number>|CommaDelimitedList|AWS::[A-Za-z0-9]+::[A-Za-z0-9]+::[A-Za-z0-9]+|List<AWS::[A-Za-z0-9]+::[A-Za-z0-9]+::[A-Za-z0-9]+>|AWS::SSM::Parameter::(Name|Value<.+>))$/;

export function isParameterType(type: unknown): boolean {
  return typeof type === 'string' && PARAMETER_TYPE.test(type);
}

/** Parameters whose Ref is a list. */
export function isListParameterType(type: unknown): boolean {
  return (
    typeof type === 'string' &&
    (type.startsWith('List<') ||
      type === 'CommaDelimitedList' ||
      /Value<List</.test(type) ||
      /Value<CommaDelimitedList>/.test(type))
  );
}
