import { PSEUDO_PARAMETERS, isListParameterType } from './template-limits';
import type { ResourceSpecs, SpecProperty, SpecShape, SpecType } from './template-spec';

export type Rule =
  | 'section'
  | 'resource-type'
  | 'resource-attribute'
  | 'unknown-property'
  | 'type'
  | 'enum'
  | 'required'
  | 'intrinsic'
  | 'ref'
  | 'getatt'
  | 'depends-on'
  | 'condition'
  | 'cycle'
  | 'limit'
  | 'nested-stack';

export interface Finding {
  /** The template's file name (or the name given to an in-memory template). */
  readonly template: string;
  /** Where, as `Resources.<id>.Properties.<name>[0].<name>`, `Outputs.<name>.Value`, … */
  readonly path: string;
  /** The logical id of the resource the finding is in, if any. */
  readonly resource?: string;
  readonly rule: Rule;
  readonly message: string;
}

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** What an intrinsic function yields; `checked` = its literal parts were already checked against the expected type. */
type Kind = 'string' | 'number' | 'boolean' | 'list' | 'object' | 'any' | 'checked' | 'novalue';

const STRING: SpecType = { type: 'string' };
const INTEGER: SpecType = { type: 'integer' };

const CONDITION_FUNCTIONS = new Set(['Fn::Equals', 'Fn::And', 'Fn::Or', 'Fn::Not', 'Condition']);
const RULE_FUNCTIONS = new Set([
  'Fn::Contains',
  'Fn::EachMemberEquals',
  'Fn::EachMemberIn',
  'Fn::RefAll',
  'Fn::ValueOf',
  'Fn::ValueOfAll',
]);

/** Functions whose argument is only walked (for references), by the kind they yield. */
const WALKED_FUNCTIONS: Readonly<Record<string, Kind>> = {
  'Fn::Length': 'number',
  'Fn::ToJsonString': 'string',
  'Fn::Transform': 'any',
};

/** `["Fn::Join", [...]]` for `{"Fn::Join": [...]}`; undefined for anything else. */
export function intrinsicOf(value: unknown, allowCondition = false): [string, unknown] | undefined {
  if (!isObject(value)) return undefined;
  const keys = Object.keys(value);
  if (keys.length !== 1) return undefined;
  const key = keys[0]!;
  if (key === 'Ref' || key.startsWith('Fn::') || (allowCondition && key === 'Condition')) return [key, value[key]];
  return undefined;
}

/** The names a template declares, and where findings go. */
export interface Scope {
  readonly template: string;
  readonly specs: ResourceSpecs;
  readonly resources: Readonly<Record<string, JsonObject>>;
  readonly parameters: Readonly<Record<string, JsonObject>>;
  readonly conditions: ReadonlySet<string>;
  readonly mappings: Readonly<Record<string, unknown>>;
  /** The outputs of the nested stack behind an `AWS::CloudFormation::Stack` resource, when its template is known. */
  readonly nestedOutputs: (logicalId: string) => ReadonlySet<string> | undefined;
  /** The outputs of another stack of the app, by stack name, for `Fn::GetStackOutput`. */
  readonly stackOutputs: (stackName: string) => ReadonlySet<string> | undefined;
  /** Resource → the resources it references (Ref, GetAtt, Sub) or DependsOn: for the cycle check. */
  readonly dependencies: Map<string, Set<string>>;
  findings: Finding[];
  /** The resource being walked, if any. */
  resource?: string;
  /** Inside `Rules`, which allow the rule-specific functions. */
  inRules?: boolean;
}

export function report(scope: Scope, path: string, rule: Rule, message: string): void {
  scope.findings.push({
    template: scope.template,
    path,
    rule,
    message,
    ...(scope.resource !== undefined && { resource: scope.resource }),
  });
}

function dependOn(scope: Scope, target: string): void {
  if (scope.resource === undefined || target === scope.resource) return;
  let set = scope.dependencies.get(scope.resource);
  if (!set) scope.dependencies.set(scope.resource, (set = new Set()));
  set.add(target);
}

function describeValue(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  if (isObject(value)) return 'an object';
  return `${typeof value} ${JSON.stringify(value)}`;
}

function kindOf(type: SpecType): Kind {
  switch (type.type) {
    case 'string':
    case 'date-time':
      return 'string';
    case 'integer':
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'array':
      return 'list';
    case 'ref':
    case 'map':
    case 'tag':
      return 'object';
    default:
      return 'any';
  }
}

/** Whether an intrinsic yielding `kind` can stand where `type` is expected. Scalars convert into one another, as in CloudFormation. */
function fits(kind: Kind, type: SpecType): boolean {
  if (kind === 'any' || kind === 'checked' || kind === 'novalue' || type.type === 'json') return true;
  switch (type.type) {
    case 'union':
      return type.types.some((t) => fits(kind, t));
    case 'array':
      return kind === 'list';
    case 'ref':
    case 'map':
    case 'tag':
      return kind === 'object';
    case 'null':
      return false;
    default:
      return kind === 'string' || kind === 'number' || kind === 'boolean';
  }
}

const INTEGER_TEXT = /^-?\d+$/;
const NUMBER_TEXT = /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/** Checks a value (literal or intrinsic) against a spec type, recursively. */
export function checkValue(scope: Scope, value: unknown, type: SpecType, path: string): void {
  const fn = intrinsicOf(value);
  if (fn) {
    const kind = evaluate(scope, fn[0], fn[1], path, type);
    if (!fits(kind, type))
      report(
        scope,
        path,
        'type',
        `${fn[0]} yields ${kind === 'list' ? 'a list' : `a ${kind}`}, where ${scope.specs.describe(type)} is expected`,
      );
    return;
  }
  const mismatch = () =>
    report(scope, path, 'type', `expected ${scope.specs.describe(type)}, got ${describeValue(value)}`);
  switch (type.type) {
    case 'string':
    case 'date-time':
      if (typeof value === 'string') {
        if ('allowedValues' in type && type.allowedValues && !type.allowedValues.includes(value))
          report(scope, path, 'enum', `"${value}" is not one of ${type.allowedValues.map((v) => `"${v}"`).join(', ')}`);
      } else if (typeof value !== 'number' && typeof value !== 'boolean') mismatch();
      return;
    case 'integer':
    case 'number': {
      const text = typeof value === 'string' ? value : undefined;
      const numeric =
        typeof value === 'number'
          ? value
          : text !== undefined && (type.type === 'integer' ? INTEGER_TEXT : NUMBER_TEXT).test(text)
            ? Number(text)
            : undefined;
      if (numeric === undefined || !Number.isFinite(numeric)) return mismatch();
      if (type.type === 'integer' && !Number.isInteger(numeric)) return mismatch();
      if ('allowedValues' in type && type.allowedValues && !type.allowedValues.includes(numeric))
        report(scope, path, 'enum', `${numeric} is not one of ${type.allowedValues.join(', ')}`);
      return;
    }
    case 'boolean':
      if (typeof value !== 'boolean' && value !== 'true' && value !== 'false') mismatch();
      return;
    case 'null':
      if (value !== null) mismatch();
      return;
    case 'json':
      walk(scope, value, path);
      return;
    case 'tag':
      if (!isObject(value)) return mismatch();
      checkShape(scope, value, TAG, path);
      return;
    case 'array':
      if (!Array.isArray(value)) return mismatch();
      value.forEach((element, i) => checkValue(scope, element, type.element, `${path}[${i}]`));
      return;
    case 'map':
      if (!isObject(value)) return mismatch();
      for (const [key, element] of Object.entries(value)) checkValue(scope, element, type.element, `${path}.${key}`);
      return;
    case 'ref':
      if (!isObject(value)) return mismatch();
      checkShape(scope, value, scope.specs.shape(type), path);
      return;
    case 'union':
      checkUnion(scope, value, type.types, path);
      return;
  }
}

const TAG: SpecShape = {
  name: 'Tag',
  properties: { Key: { type: STRING, required: true }, Value: { type: STRING, required: true } },
};

/** Accepts the value if any member type accepts it; otherwise reports what the closest member found. */
function checkUnion(scope: Scope, value: unknown, types: readonly SpecType[], path: string): void {
  const attempts = types.map((type) => {
    const findings = scope.findings;
    scope.findings = [];
    checkValue(scope, value, type, path);
    const found = scope.findings;
    scope.findings = findings;
    return found;
  });
  if (attempts.some((found) => found.length === 0)) return;
  const sameShape = types.findIndex((t) => fits(literalKind(value), t));
  scope.findings.push(...attempts[sameShape >= 0 ? sameShape : 0]!);
}

function literalKind(value: unknown): Kind {
  if (Array.isArray(value)) return 'list';
  if (isObject(value)) return 'object';
  if (typeof value === 'number') return 'number';
  if (typeof value === 'boolean') return 'boolean';
  return 'string';
}

export function checkShape(scope: Scope, value: JsonObject, shape: SpecShape, path: string): void {
  for (const [name, element] of Object.entries(value)) {
    const property = shape.properties[name];
    if (!property) {
      const near = Object.keys(shape.properties).find((p) => p.toLowerCase() === name.toLowerCase());
      report(
        scope,
        `${path}.${name}`,
        'unknown-property',
        `${shape.name} has no property "${name}"${near ? ` (did you mean "${near}"?)` : ''}`,
      );
      continue;
    }
    checkProperty(scope, element, property, `${path}.${name}`);
  }
  for (const [name, property] of Object.entries(shape.properties)) {
    if (property.required && value[name] === undefined)
      report(scope, `${path}.${name}`, 'required', `${shape.name} requires "${name}"`);
  }
}

/** The current type, or a type the property had before (the spec keeps those so that older forms stay valid). */
function checkProperty(scope: Scope, value: unknown, property: SpecProperty, path: string): void {
  if (!property.previousTypes?.length) return checkValue(scope, value, property.type, path);
  checkUnion(scope, value, [property.type, ...property.previousTypes], path);
}

/** Walks a value of no known type (JSON, custom resource properties, outputs), checking every intrinsic in it. */
export function walk(scope: Scope, value: unknown, path: string): void {
  const fn = intrinsicOf(value);
  if (fn) {
    evaluate(scope, fn[0], fn[1], path, undefined);
    return;
  }
  if (Array.isArray(value)) value.forEach((element, i) => walk(scope, element, `${path}[${i}]`));
  else if (isObject(value)) for (const [key, element] of Object.entries(value)) walk(scope, element, `${path}.${key}`);
}

function args(scope: Scope, fn: string, arg: unknown, path: string, count: number[]): unknown[] | undefined {
  if (Array.isArray(arg) && count.includes(arg.length)) return arg;
  report(scope, path, 'intrinsic', `${fn} takes a list of ${count.join(' or ')} arguments, got ${describeValue(arg)}`);
  return undefined;
}

/** `Ref` targets: the kind it yields, after checking that the name exists. */
export function evaluateRef(scope: Scope, name: unknown, path: string): Kind {
  if (typeof name !== 'string') {
    report(scope, path, 'intrinsic', `Ref takes a name, got ${describeValue(name)}`);
    return 'any';
  }
  if (PSEUDO_PARAMETERS.has(name))
    return name === 'AWS::NoValue' ? 'novalue' : name === 'AWS::NotificationARNs' ? 'list' : 'string';
  const parameter = scope.parameters[name];
  if (parameter) return isListParameterType(parameter.Type) ? 'list' : 'string';
  if (scope.resources[name]) {
    dependOn(scope, name);
    return 'string';
  }
  report(
    scope,
    path,
    'ref',
    `Ref to "${name}", which is neither a resource, a parameter nor a pseudo parameter of this template`,
  );
  return 'any';
}

export function evaluateGetAtt(scope: Scope, id: unknown, attribute: unknown, path: string): Kind {
  if (typeof id !== 'string') {
    report(scope, path, 'intrinsic', `Fn::GetAtt takes a logical id, got ${describeValue(id)}`);
    return 'any';
  }
  const resource = scope.resources[id];
  if (!resource) {
    report(scope, path, 'getatt', `Fn::GetAtt on "${id}", which is not a resource of this template`);
    return 'any';
  }
  dependOn(scope, id);
  if (typeof attribute !== 'string') {
    walk(scope, attribute, path);
    return 'any';
  }
  const type = String(resource.Type);
  if (type.startsWith('Custom::') || type === 'AWS::CloudFormation::CustomResource') return 'any';
  if (type === 'AWS::CloudFormation::Stack' && attribute.startsWith('Outputs.')) {
    const outputs = scope.nestedOutputs(id);
    const name = attribute.slice('Outputs.'.length);
    if (outputs && !outputs.has(name)) report(scope, path, 'getatt', `nested stack "${id}" has no output "${name}"`);
    return 'string';
  }
  const spec = scope.specs.resource(type);
  if (!spec) return 'any';
  const found = spec.attributes[attribute];
  if (!found) {
    const known = Object.keys(spec.attributes);
    report(scope, path, 'getatt', `${type} has no attribute "${attribute}" (it has: ${known.join(', ') || 'none'})`);
    return 'any';
  }
  return kindOf(found.type);
}

/** `${Name}` and `${Resource.Attribute}` in a Fn::Sub string; `${!Literal}` is text. */
function checkSubstitutions(scope: Scope, text: string, variables: ReadonlySet<string>, path: string): void {
  for (const [, name] of text.matchAll(/\$\{([^}]*)\}/g)) {
    if (name === undefined || name.startsWith('!') || variables.has(name)) continue;
    const dot = name.indexOf('.');
    if (dot > 0 && !PSEUDO_PARAMETERS.has(name) && !scope.parameters[name])
      evaluateGetAtt(scope, name.slice(0, dot), name.slice(dot + 1), path);
    else evaluateRef(scope, name, path);
  }
}

/** Whether a value names a resource (Ref, Fn::GetAtt, `${…}`), which export names and Fn::ImportValue may not. */
export function referencesResource(scope: Scope, value: unknown): boolean {
  const probe: Scope = { ...scope, findings: [], resource: '\u0000probe', dependencies: new Map() };
  walk(probe, value, '');
  return (probe.dependencies.get('\u0000probe')?.size ?? 0) > 0;
}

/** Checks an intrinsic function's arguments and returns what it yields. */
function evaluate(scope: Scope, fn: string, arg: unknown, path: string, expected: SpecType | undefined): Kind {
  const at = `${path}.${fn}`;
  switch (fn) {
    case 'Ref':
      return evaluateRef(scope, arg, at);
    case 'Fn::GetAtt': {
      if (typeof arg === 'string') {
        const dot = arg.indexOf('.');
        return evaluateGetAtt(scope, arg.slice(0, dot), dot > 0 ? arg.slice(dot + 1) : undefined, at);
      }
      const parts = args(scope, fn, arg, at, [2]);
      return parts ? evaluateGetAtt(scope, parts[0], parts[1], at) : 'any';
    }
    case 'Fn::Join': {
      const parts = args(scope, fn, arg, at, [2]);
      if (!parts) return 'string';
      if (typeof parts[0] !== 'string') report(scope, `${at}[0]`, 'intrinsic', 'Fn::Join takes a literal delimiter');
      const list = parts[1];
      if (Array.isArray(list)) list.forEach((part, i) => checkValue(scope, part, STRING, `${at}[1][${i}]`));
      else if (intrinsicOf(list)) checkValue(scope, list, { type: 'array', element: STRING }, `${at}[1]`);
      else report(scope, `${at}[1]`, 'intrinsic', `Fn::Join takes a list to join, got ${describeValue(list)}`);
      return 'string';
    }
    case 'Fn::Sub': {
      const [text, map] = typeof arg === 'string' ? [arg, {}] : (args(scope, fn, arg, at, [1, 2]) ?? ['', {}]);
      if (typeof text !== 'string') report(scope, at, 'intrinsic', 'Fn::Sub takes a literal string');
      const variables = isObject(map) ? map : {};
      if (map !== undefined && !isObject(map)) report(scope, at, 'intrinsic', 'Fn::Sub takes a map of variables');
      for (const [name, value] of Object.entries(variables)) checkValue(scope, value, STRING, `${at}[1].${name}`);
      if (typeof text === 'string') checkSubstitutions(scope, text, new Set(Object.keys(variables)), at);
      return 'string';
    }
    case 'Fn::Base64':
      checkValue(scope, arg, STRING, at);
      return 'string';
    case 'Fn::ImportValue':
      checkValue(scope, arg, STRING, at);
      if (referencesResource(scope, arg))
        report(scope, at, 'intrinsic', 'Fn::ImportValue cannot name its export with a Ref or GetAtt of a resource');
      return 'string';
    case 'Fn::Split': {
      const parts = args(scope, fn, arg, at, [2]);
      if (parts) {
        if (typeof parts[0] !== 'string') report(scope, `${at}[0]`, 'intrinsic', 'Fn::Split takes a literal delimiter');
        checkValue(scope, parts[1], STRING, `${at}[1]`);
      }
      return 'list';
    }
    case 'Fn::GetAZs':
      checkValue(scope, arg, STRING, at);
      return 'list';
    case 'Fn::Cidr':
      args(scope, fn, arg, at, [3])?.forEach((part, i) =>
        checkValue(scope, part, i === 0 ? STRING : INTEGER, `${at}[${i}]`),
      );
      return 'list';
    case 'Fn::Select': {
      const parts = args(scope, fn, arg, at, [2]);
      if (!parts) return 'any';
      checkValue(scope, parts[0], INTEGER, `${at}[0]`);
      const [index, list] = parts;
      if (Array.isArray(list)) {
        const i =
          typeof index === 'number'
            ? index
            : typeof index === 'string' && INTEGER_TEXT.test(index)
              ? Number(index)
              : undefined;
        if (i !== undefined && (i < 0 || i >= list.length))
          report(scope, `${at}[0]`, 'intrinsic', `Fn::Select index ${i} is outside a list of ${list.length}`);
        if (i !== undefined && expected && i >= 0 && i < list.length) {
          checkValue(scope, list[i], expected, `${at}[1][${i}]`);
          list.forEach((element, j) => j !== i && walk(scope, element, `${at}[1][${j}]`));
          return 'checked';
        }
        walk(scope, list, `${at}[1]`);
      } else checkValue(scope, list, { type: 'array', element: { type: 'json' } }, `${at}[1]`);
      return 'any';
    }
    case 'Fn::FindInMap':
      return evaluateFindInMap(scope, arg, at, expected);
    case 'Fn::If': {
      const parts = args(scope, fn, arg, at, [3]);
      if (!parts) return 'any';
      if (typeof parts[0] !== 'string' || !scope.conditions.has(parts[0]))
        report(
          scope,
          `${at}[0]`,
          'condition',
          `Fn::If names condition ${JSON.stringify(parts[0])}, which is not in Conditions`,
        );
      for (const i of [1, 2]) {
        if (expected) checkValue(scope, parts[i], expected, `${at}[${i}]`);
        else walk(scope, parts[i], `${at}[${i}]`);
      }
      return 'checked';
    }
    case 'Fn::GetStackOutput':
      evaluateGetStackOutput(scope, arg, at);
      return 'string';
    case 'Fn::Length':
    case 'Fn::ToJsonString':
    case 'Fn::Transform':
      walk(scope, arg, at);
      return WALKED_FUNCTIONS[fn]!;
    default:
      if (scope.inRules && (RULE_FUNCTIONS.has(fn) || CONDITION_FUNCTIONS.has(fn))) {
        walk(scope, arg, at);
        return 'boolean';
      }
      report(
        scope,
        at,
        'intrinsic',
        CONDITION_FUNCTIONS.has(fn)
          ? `${fn} is a condition function: use it in Conditions`
          : `unknown intrinsic function ${fn}`,
      );
      return 'any';
  }
}

const GET_STACK_OUTPUT: SpecShape = {
  name: 'Fn::GetStackOutput',
  properties: {
    StackName: { type: STRING, required: true },
    OutputName: { type: STRING, required: true },
    Region: { type: STRING },
    RoleArn: { type: STRING },
  },
};

/** Another stack's output (a weak cross-stack reference): it must exist when that stack is in the app. */
function evaluateGetStackOutput(scope: Scope, arg: unknown, at: string): void {
  if (!isObject(arg)) {
    report(scope, at, 'intrinsic', `Fn::GetStackOutput takes {StackName, OutputName}, got ${describeValue(arg)}`);
    return;
  }
  checkShape(scope, arg, GET_STACK_OUTPUT, at);
  const { StackName: stack, OutputName: output } = arg;
  if (typeof stack !== 'string' || typeof output !== 'string') return;
  const outputs = scope.stackOutputs(stack);
  if (outputs && !outputs.has(output))
    report(scope, `${at}.OutputName`, 'ref', `stack "${stack}" has no output "${output}"`);
}

function evaluateFindInMap(scope: Scope, arg: unknown, at: string, expected: SpecType | undefined): Kind {
  const parts = args(scope, 'Fn::FindInMap', arg, at, [3, 4]);
  if (!parts) return 'any';
  parts.forEach((part, i) => i < 3 && checkValue(scope, part, STRING, `${at}[${i}]`));
  const [map, top, second] = parts;
  if (typeof map !== 'string') return 'any';
  const mapping = scope.mappings[map];
  if (!isObject(mapping)) {
    report(scope, `${at}[0]`, 'ref', `Fn::FindInMap names mapping "${map}", which is not in Mappings`);
    return 'any';
  }
  if (typeof top !== 'string') return 'any';
  const level = mapping[top];
  if (!isObject(level)) {
    report(scope, `${at}[1]`, 'ref', `mapping "${map}" has no key "${top}"`);
    return 'any';
  }
  if (typeof second !== 'string') return 'any';
  if (!(second in level)) {
    report(scope, `${at}[2]`, 'ref', `mapping "${map}.${top}" has no key "${second}"`);
    return 'any';
  }
  if (!expected) return 'any';
  checkValue(scope, level[second], expected, `Mappings.${map}.${top}.${second}`);
  return 'checked';
}

/** Conditions: condition functions, `Condition` names, and Refs to parameters only. */
export function walkCondition(scope: Scope, value: unknown, path: string): void {
  const fn = intrinsicOf(value, true);
  if (!fn) {
    if (Array.isArray(value)) value.forEach((v, i) => walkCondition(scope, v, `${path}[${i}]`));
    else if (isObject(value)) report(scope, path, 'condition', 'a condition is a condition function or a literal');
    return;
  }
  const [name, arg] = fn;
  const at = `${path}.${name}`;
  if (name === 'Condition') {
    if (typeof arg !== 'string' || !scope.conditions.has(arg))
      report(scope, at, 'condition', `Condition ${JSON.stringify(arg)} is not in Conditions`);
  } else if (name === 'Fn::Equals' || name === 'Fn::And' || name === 'Fn::Or' || name === 'Fn::Not') {
    if (!Array.isArray(arg)) report(scope, at, 'intrinsic', `${name} takes a list`);
    else arg.forEach((v, i) => walkCondition(scope, v, `${at}[${i}]`));
  } else if (name === 'Ref' && typeof arg === 'string' && scope.resources[arg]) {
    report(scope, at, 'condition', `a condition cannot Ref resource "${arg}"`);
  } else walk(scope, value, path);
}
