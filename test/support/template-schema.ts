import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  bodyLimit,
  DELETION_POLICIES,
  isParameterType,
  RESOURCE_ATTRIBUTES,
  TEMPLATE_LIMITS,
  TEMPLATE_SECTIONS,
  type TemplateDelivery,
  UPDATE_REPLACE_POLICIES,
} from './template-limits';
import { ResourceSpecs, type SpecType } from './template-spec';
import {
  checkShape,
  checkValue,
  type Finding,
  isObject,
  type JsonObject,
  referencesResource,
  report,
  type Scope,
  walk,
  walkCondition,
} from './template-values';

export type { Finding, Rule } from './template-values';
export { ResourceSpecs } from './template-spec';

/**
 * Checks a synthesized CloudFormation template against the resource schemas of
 * `@aws-cdk/aws-service-spec`, offline:
 *
 * - every resource type exists; property names (an unknown one fails), types (string, number,
 *   integer, boolean, list, map, nested types, recursively), enum values and required properties;
 * - intrinsic functions are accepted where a value is expected when what they yield fits (a
 *   Fn::Join is a string, a Fn::Split a list), and their literal parts are checked too: Fn::Join
 *   parts, Fn::Sub variables, both Fn::If branches, a Fn::Select or Fn::FindInMap of literals;
 * - every Ref, Fn::GetAtt and `${…}` in Fn::Sub names something of this template (or a pseudo
 *   parameter), GetAtt attributes exist on the type (outputs, on a nested stack whose template is
 *   known), DependsOn targets and conditions exist, and resources form no dependency cycle;
 * - custom resources need a ServiceToken; their other properties are free-form;
 * - template sections, resource attributes, DeletionPolicy values, and CloudFormation's template
 *   quotas (resources, outputs, parameters, mappings, name lengths, description, body size).
 *
 * Not checked, because the database does not carry them: string patterns, lengths and numeric
 * ranges; which properties exclude or imply others; values inside JSON-typed properties (IAM
 * policies, state machine definitions). Scalars are checked as CloudFormation converts them: a
 * number is accepted where a string is expected, "42" where a number is, "true" where a boolean is.
 */
export function validateTemplate(template: unknown, options: TemplateOptions): Finding[] {
  const specs = options.specs ?? ResourceSpecs.load();
  const findings: Finding[] = [];
  if (!isObject(template)) {
    findings.push({ template: options.name, path: '', rule: 'section', message: 'a template is a JSON object' });
    return findings;
  }
  const section = (name: string): Readonly<Record<string, JsonObject>> => {
    const value = template[name];
    return isObject(value) ? (value as Record<string, JsonObject>) : {};
  };
  const scope: Scope = {
    template: options.name,
    specs,
    resources: section('Resources'),
    parameters: section('Parameters'),
    conditions: new Set(Object.keys(section('Conditions'))),
    mappings: section('Mappings'),
    nestedOutputs: options.nestedOutputs ?? (() => undefined),
    stackOutputs: options.stackOutputs ?? (() => undefined),
    dependencies: new Map(),
    findings,
  };
  checkSections(scope, template);
  checkParameters(scope);
  for (const [name, condition] of Object.entries(section('Conditions')))
    walkCondition(scope, condition, `Conditions.${name}`);
  checkRules(scope, section('Rules'));
  for (const [id, resource] of Object.entries(scope.resources)) checkResource(scope, id, resource);
  checkOutputs(scope, section('Outputs'));
  checkCycles(scope);
  checkLimits(scope, template, options);
  return findings;
}

export interface TemplateOptions {
  /** Names the template in findings. */
  readonly name: string;
  readonly specs?: ResourceSpecs;
  /** How CloudFormation receives it (its size quota). @default 'url' */
  readonly delivery?: TemplateDelivery;
  /** The body's size as deployed. @default - the size of the JSON as the CDK writes it */
  readonly bodyBytes?: number;
  /** Outputs of nested stacks by the logical id of their `AWS::CloudFormation::Stack` resource. */
  readonly nestedOutputs?: (logicalId: string) => ReadonlySet<string> | undefined;
  /** Outputs of the app's other stacks by stack name, for `Fn::GetStackOutput`. */
  readonly stackOutputs?: (stackName: string) => ReadonlySet<string> | undefined;
}

const LOGICAL_ID = /^[A-Za-z0-9]+$/;

function checkName(scope: Scope, name: string, path: string, what: string): void {
  if (!LOGICAL_ID.test(name)) report(scope, path, 'section', `${what} "${name}" is not alphanumeric`);
  if (name.length > TEMPLATE_LIMITS.nameLength)
    report(
      scope,
      path,
      'limit',
      `${what} "${name.slice(0, 40)}…" is longer than ${TEMPLATE_LIMITS.nameLength} characters`,
    );
}

function checkSections(scope: Scope, template: JsonObject): void {
  for (const key of Object.keys(template))
    if (!TEMPLATE_SECTIONS.has(key)) report(scope, key, 'section', `unknown template section "${key}"`);
  if (template.AWSTemplateFormatVersion !== undefined && template.AWSTemplateFormatVersion !== '2010-09-09')
    report(scope, 'AWSTemplateFormatVersion', 'section', 'the only template format version is "2010-09-09"');
  if (!isObject(template.Resources) || Object.keys(template.Resources).length === 0)
    report(scope, 'Resources', 'section', 'a template declares at least one resource');
  if (template.Description !== undefined && typeof template.Description !== 'string')
    report(scope, 'Description', 'section', 'Description is a string');
  for (const name of Object.keys(scope.parameters))
    if (scope.resources[name])
      report(scope, `Parameters.${name}`, 'section', `"${name}" is both a parameter and a resource`);
}

function checkParameters(scope: Scope): void {
  for (const [name, parameter] of Object.entries(scope.parameters)) {
    const path = `Parameters.${name}`;
    checkName(scope, name, path, 'parameter');
    if (!isObject(parameter) || !isParameterType(parameter.Type))
      report(
        scope,
        `${path}.Type`,
        'section',
        `parameter "${name}" has no valid Type (${JSON.stringify(parameter?.Type)})`,
      );
  }
}

function checkRules(scope: Scope, rules: Readonly<Record<string, JsonObject>>): void {
  scope.inRules = true;
  for (const [name, rule] of Object.entries(rules)) walk(scope, rule, `Rules.${name}`);
  scope.inRules = false;
}

const CUSTOM_RESOURCE = 'AWS::CloudFormation::CustomResource';
const STRING: SpecType = { type: 'string' };

function checkResource(scope: Scope, id: string, resource: JsonObject): void {
  const path = `Resources.${id}`;
  scope.resource = id;
  checkName(scope, id, path, 'logical id');
  if (!isObject(resource)) {
    report(scope, path, 'section', 'a resource is an object with a Type');
    scope.resource = undefined;
    return;
  }
  for (const key of Object.keys(resource))
    if (!RESOURCE_ATTRIBUTES.has(key))
      report(scope, `${path}.${key}`, 'resource-attribute', `unknown resource attribute "${key}"`);
  const type = resource.Type;
  const properties = resource.Properties ?? {};
  if (!isObject(properties)) report(scope, `${path}.Properties`, 'type', 'Properties is an object');
  else if (typeof type !== 'string') report(scope, `${path}.Type`, 'resource-type', 'Type is a literal string');
  else if (type.startsWith('Custom::') || type === CUSTOM_RESOURCE) {
    const { ServiceToken, ServiceTimeout, ...rest } = properties;
    if (ServiceToken === undefined)
      report(scope, `${path}.Properties.ServiceToken`, 'required', `${type} requires "ServiceToken"`);
    else checkValue(scope, ServiceToken, STRING, `${path}.Properties.ServiceToken`);
    if (ServiceTimeout !== undefined)
      checkValue(scope, ServiceTimeout, { type: 'integer' }, `${path}.Properties.ServiceTimeout`);
    walk(scope, rest, `${path}.Properties`);
  } else if (type === 'AWS::CDK::Metadata') {
    checkShape(scope, properties, { name: type, properties: { Analytics: { type: STRING } } }, `${path}.Properties`);
  } else {
    const spec = scope.specs.resource(type);
    if (!spec)
      report(
        scope,
        `${path}.Type`,
        'resource-type',
        `unknown resource type "${type}" (not in @aws-cdk/aws-service-spec)`,
      );
    else checkShape(scope, properties, spec, `${path}.Properties`);
  }
  checkDependsOn(scope, id, resource.DependsOn, `${path}.DependsOn`);
  checkCondition(scope, resource.Condition, `${path}.Condition`);
  for (const [attribute, allowed] of [
    ['DeletionPolicy', DELETION_POLICIES],
    ['UpdateReplacePolicy', UPDATE_REPLACE_POLICIES],
  ] as const) {
    const value = resource[attribute];
    if (value !== undefined && (typeof value !== 'string' || !allowed.has(value)))
      report(
        scope,
        `${path}.${attribute}`,
        'resource-attribute',
        `${attribute} ${JSON.stringify(value)} is not one of ${[...allowed].join(', ')}`,
      );
  }
  scope.resource = undefined;
  // Metadata and policies may reference resources without making them dependencies.
  for (const attribute of ['Metadata', 'UpdatePolicy', 'CreationPolicy'])
    if (resource[attribute] !== undefined) walk(scope, resource[attribute], `${path}.${attribute}`);
}

/** A resource's or output's `Condition`, when it has one, names a condition of the template. */
function checkCondition(scope: Scope, condition: unknown, path: string): void {
  if (condition === undefined) return;
  if (typeof condition !== 'string' || !scope.conditions.has(condition))
    report(scope, path, 'condition', `condition ${JSON.stringify(condition)} is not in Conditions`);
}

function checkDependsOn(scope: Scope, id: string, dependsOn: unknown, path: string): void {
  if (dependsOn === undefined) return;
  const targets = typeof dependsOn === 'string' ? [dependsOn] : dependsOn;
  if (!Array.isArray(targets)) {
    report(scope, path, 'depends-on', 'DependsOn is a logical id or a list of them');
    return;
  }
  for (const target of targets) {
    if (typeof target !== 'string' || !scope.resources[target] || target === id) {
      report(
        scope,
        path,
        'depends-on',
        `DependsOn ${JSON.stringify(target)}, which is not another resource of this template`,
      );
      continue;
    }
    let set = scope.dependencies.get(id);
    if (!set) scope.dependencies.set(id, (set = new Set()));
    set.add(target);
  }
}

const OUTPUT_KEYS = new Set(['Value', 'Description', 'Export', 'Condition']);

function checkOutputs(scope: Scope, outputs: Readonly<Record<string, JsonObject>>): void {
  for (const [name, output] of Object.entries(outputs)) {
    const path = `Outputs.${name}`;
    checkName(scope, name, path, 'output');
    if (!isObject(output) || output.Value === undefined) {
      report(scope, `${path}.Value`, 'required', `output "${name}" has no Value`);
      continue;
    }
    for (const key of Object.keys(output))
      if (!OUTPUT_KEYS.has(key)) report(scope, `${path}.${key}`, 'section', `unknown output field "${key}"`);
    checkValue(scope, output.Value, STRING, `${path}.Value`);
    if (output.Export !== undefined) {
      if (!isObject(output.Export) || output.Export.Name === undefined)
        report(scope, `${path}.Export.Name`, 'required', `the export of output "${name}" has no Name`);
      else {
        checkValue(scope, output.Export.Name, STRING, `${path}.Export.Name`);
        if (referencesResource(scope, output.Export.Name))
          report(scope, `${path}.Export.Name`, 'intrinsic', 'an export name cannot use a Ref or GetAtt of a resource');
      }
    }
    checkCondition(scope, output.Condition, `${path}.Condition`);
  }
}

/** CloudFormation refuses a template whose resources depend on each other in a circle. */
function checkCycles(scope: Scope): void {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (id: string): void => {
    state.set(id, 'visiting');
    stack.push(id);
    for (const next of scope.dependencies.get(id) ?? []) {
      const seen = state.get(next);
      if (seen === 'visiting') {
        const cycle = [...stack.slice(stack.indexOf(next)), next];
        scope.findings.push({
          template: scope.template,
          path: `Resources.${next}`,
          resource: next,
          rule: 'cycle',
          message: `circular dependency: ${cycle.join(' → ')}`,
        });
      } else if (seen === undefined) visit(next);
    }
    stack.pop();
    state.set(id, 'done');
  };
  for (const id of Object.keys(scope.resources)) if (!state.has(id)) visit(id);
}

function checkLimits(scope: Scope, template: JsonObject, options: TemplateOptions): void {
  const count = (section: string) => (isObject(template[section]) ? Object.keys(template[section]).length : 0);
  for (const [section, limit] of [
    ['Resources', TEMPLATE_LIMITS.resources],
    ['Outputs', TEMPLATE_LIMITS.outputs],
    ['Parameters', TEMPLATE_LIMITS.parameters],
    ['Mappings', TEMPLATE_LIMITS.mappings],
  ] as const) {
    const n = count(section);
    if (n > limit)
      report(scope, section, 'limit', `${n} ${section.toLowerCase()} (CloudFormation allows ${limit} per template)`);
  }
  for (const [name, mapping] of Object.entries(scope.mappings)) {
    checkName(scope, name, `Mappings.${name}`, 'mapping');
    const n = isObject(mapping) ? Object.keys(mapping).length : 0;
    if (n > TEMPLATE_LIMITS.mappingAttributes)
      report(
        scope,
        `Mappings.${name}`,
        'limit',
        `${n} attributes (CloudFormation allows ${TEMPLATE_LIMITS.mappingAttributes} per mapping)`,
      );
  }
  if (
    typeof template.Description === 'string' &&
    Buffer.byteLength(template.Description) > TEMPLATE_LIMITS.descriptionBytes
  )
    report(scope, 'Description', 'limit', `the description is longer than ${TEMPLATE_LIMITS.descriptionBytes} bytes`);
  const delivery = options.delivery ?? 'url';
  const bytes = options.bodyBytes ?? templateBytes(template);
  if (bytes > bodyLimit(delivery))
    report(
      scope,
      '',
      'limit',
      `the template is ${bytes} bytes; CloudFormation takes ${bodyLimit(delivery)} ${delivery === 'url' ? 'from S3' : 'inline (upload it to S3: cdk bootstrap)'}`,
    );
}

/** The size of the template as the CDK writes it (JSON, one-space indent). */
export function templateBytes(template: unknown): number {
  return Buffer.byteLength(JSON.stringify(template, undefined, 1));
}

export interface TemplateReport {
  readonly name: string;
  readonly resources: number;
  readonly outputs: number;
  readonly parameters: number;
  readonly bytes: number;
  readonly delivery: TemplateDelivery;
  readonly limit: number;
}

export interface AssemblyResult {
  readonly findings: Finding[];
  readonly templates: TemplateReport[];
}

interface LoadedTemplate {
  readonly file: string;
  readonly template: JsonObject;
  readonly delivery: TemplateDelivery;
  readonly bytes: number;
}

/**
 * Checks every template of a cloud assembly: each stack's, and the nested stack templates behind
 * their `AWS::CloudFormation::Stack` resources (found through the asset manifests), including the
 * parameters a parent passes to a nested stack and the nested outputs it reads.
 */
export function validateAssembly(directory: string, specs = ResourceSpecs.load()): AssemblyResult {
  const manifest = readJson(join(directory, 'manifest.json'));
  const artifacts = Object.values(isObject(manifest.artifacts) ? manifest.artifacts : {}).filter(isObject);
  const assetFiles = new Map<string, string>();
  for (const artifact of artifacts) {
    if (artifact.type !== 'cdk:asset-manifest' || !isObject(artifact.properties)) continue;
    const assets = readJson(join(directory, String(artifact.properties.file)));
    for (const asset of Object.values(isObject(assets.files) ? assets.files : {})) {
      if (!isObject(asset) || !isObject(asset.source) || !isObject(asset.destinations)) continue;
      for (const destination of Object.values(asset.destinations))
        if (isObject(destination) && typeof destination.objectKey === 'string')
          assetFiles.set(destination.objectKey, String(asset.source.path));
    }
  }
  const load = (file: string, delivery: TemplateDelivery): LoadedTemplate => ({
    file,
    template: readJson(join(directory, file)),
    delivery,
    bytes: statSync(join(directory, file)).size,
  });
  const stacks = Object.entries(isObject(manifest.artifacts) ? manifest.artifacts : {}).flatMap(([id, a]) =>
    isObject(a) && a.type === 'aws:cloudformation:stack' && isObject(a.properties)
      ? [{ id, properties: a.properties }]
      : [],
  );
  const pending = stacks.map(({ properties }) =>
    load(String(properties.templateFile), properties.stackTemplateAssetObjectUrl ? 'url' : 'inline'),
  );
  const outputsByStack = new Map(
    stacks.map(({ id, properties }, i) => [
      typeof properties.stackName === 'string' ? properties.stackName : id,
      new Set(Object.keys(isObject(pending[i]!.template.Outputs) ? pending[i]!.template.Outputs : {})),
    ]),
  );
  const findings: Finding[] = [];
  const templates: TemplateReport[] = [];
  const done = new Set<string>();
  while (pending.length > 0) {
    const current = pending.shift()!;
    if (done.has(current.file)) continue;
    done.add(current.file);
    const nested = new Map<string, LoadedTemplate>();
    const resources = isObject(current.template.Resources) ? current.template.Resources : {};
    for (const [id, resource] of Object.entries(resources)) {
      if (!isObject(resource) || resource.Type !== 'AWS::CloudFormation::Stack' || !isObject(resource.Properties))
        continue;
      const url = JSON.stringify(resource.Properties.TemplateURL ?? '');
      const file = [...assetFiles].find(([key]) => url.includes(key))?.[1];
      if (file === undefined) continue;
      const child = load(file, 'url');
      nested.set(id, child);
      pending.push(child);
      findings.push(...checkNestedParameters(current.file, id, resource.Properties.Parameters, child));
    }
    findings.push(
      ...validateTemplate(current.template, {
        name: current.file,
        specs,
        delivery: current.delivery,
        bodyBytes: current.bytes,
        stackOutputs: (name) => outputsByStack.get(name),
        nestedOutputs: (id) => {
          const child = nested.get(id);
          return child
            ? new Set(Object.keys(isObject(child.template.Outputs) ? child.template.Outputs : {}))
            : undefined;
        },
      }),
    );
    const size = (section: string) =>
      Object.keys(isObject(current.template[section]) ? current.template[section] : {}).length;
    templates.push({
      name: current.file,
      resources: size('Resources'),
      outputs: size('Outputs'),
      parameters: size('Parameters'),
      bytes: current.bytes,
      delivery: current.delivery,
      limit: bodyLimit(current.delivery),
    });
  }
  return { findings, templates };
}

/** A nested stack fails to create when given a parameter its template lacks, or not given one without a Default. */
function checkNestedParameters(parent: string, id: string, given: unknown, child: LoadedTemplate): Finding[] {
  const passed = isObject(given) ? Object.keys(given) : [];
  const declared = isObject(child.template.Parameters) ? child.template.Parameters : {};
  const path = `Resources.${id}.Properties.Parameters`;
  const finding = (message: string): Finding => ({
    template: parent,
    path,
    resource: id,
    rule: 'nested-stack',
    message,
  });
  return [
    ...passed
      .filter((name) => !(name in declared))
      .map((name) => finding(`passes "${name}", which ${child.file} does not declare`)),
    ...Object.entries(declared)
      .filter(([name, p]) => !passed.includes(name) && !(isObject(p) && 'Default' in p))
      .map(([name]) => finding(`does not pass "${name}", which ${child.file} requires (no Default)`)),
  ];
}

function readJson(file: string): JsonObject {
  const value: unknown = JSON.parse(readFileSync(file, 'utf8'));
  return isObject(value) ? value : {};
}

/** One line per finding, for assertion messages. */
export function formatFindings(findings: readonly Finding[]): string {
  return findings.map((f) => `${f.template} ${f.path}: [${f.rule}] ${f.message}`).join('\n');
}
