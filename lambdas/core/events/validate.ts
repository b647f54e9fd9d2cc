import '../cel/regex-engine';
import { checkExpression, compileExpression, VARIABLES, type ExpressionProblem } from '../cel';
import type { VerifierConfig } from '../config/verifier';
import type { RouteConfig, WebhookExpressions } from '../config/webhook';
import { ROUTE_FILTER, WEBHOOK_EXPRESSIONS, type ExpressionSpec, type WebhookExpressionName } from './expressions';

/** Synth-time findings: errors fail `cdk synth`, warnings are annotations. */
export interface ValidationResult {
  readonly errors: string[];
  readonly warnings: string[];
}

/** What the constructs know of a webhook at synth time. */
export interface WebhookValidationInput {
  readonly name: string;
  readonly expressions: Partial<WebhookExpressions>;
  readonly staticPayload?: unknown;
  readonly verifier?: VerifierConfig;
}

/** Presets whose requests carry a JSON array, where staticPayload cannot be merged. */
const ARRAY_PRESETS: Readonly<Record<string, string>> = { sendgrid: 'SendGrid' };

/**
 * Parses and type-checks every expression of a webhook, checks result types and literal regular
 * expressions, and that staticPayload is a JSON object. Messages name the webhook, the field, the
 * position and the fix.
 */
export function validateWebhookExpressions(config: WebhookValidationInput): ValidationResult {
  const errors: string[] = [];
  const warnings: string[] = [];
  const subject = `webhook "${config.name}"`;

  for (const [field, spec] of Object.entries(WEBHOOK_EXPRESSIONS) as [WebhookExpressionName, ExpressionSpec][]) {
    const source = config.expressions[field];
    if (source === undefined) {
      if (field === 'eventKey') errors.push(`${subject}: eventKey is required, e.g. ${spec.example}`);
      continue;
    }
    const { error, warning } = checkField(subject, field, source, spec);
    if (error !== undefined) errors.push(error);
    if (warning !== undefined) warnings.push(warning);
  }

  if (config.staticPayload !== undefined) {
    const problem = staticPayloadProblem(config.staticPayload);
    if (problem !== undefined) errors.push(`${subject}: ${problem}`);
    const sender = arrayPreset(config.verifier);
    if (sender !== undefined) {
      warnings.push(
        `${subject}: staticPayload is merged only into JSON object bodies, and ${sender} sends a JSON array of events, ` +
          'so it will not be applied; read constant values in the workflow instead',
      );
    }
  }
  return { errors, warnings };
}

/** A route's pattern, scope, filter and webhook (which must be one of `knownWebhooks`). */
export function validateRoute(
  route: Pick<RouteConfig, 'id' | 'eventKeyPattern' | 'webhook' | 'scope' | 'filter'>,
  knownWebhooks: Iterable<string>,
): ValidationResult {
  const errors: string[] = [];
  const warnings: string[] = [];
  const subject =
    route.id === route.eventKeyPattern ? `route "${route.id}"` : `route "${route.id}" (${route.eventKeyPattern})`;

  if (route.eventKeyPattern === '') errors.push(`${subject}: eventKeyPattern is empty; use '*' to match every event`);
  if (route.scope === '') errors.push(`${subject}: scope is empty; omit it to match events of any scope`);
  if (route.webhook !== undefined) {
    const known = [...knownWebhooks];
    if (!known.includes(route.webhook)) {
      const list = known.length > 0 ? `known webhooks: ${known.sort().join(', ')}` : 'no webhook is defined';
      errors.push(`${subject}: webhook "${route.webhook}" does not exist; ${list}`);
    }
  }
  if (route.filter !== undefined) {
    const { error, warning } = checkField(subject, 'filter', route.filter, ROUTE_FILTER);
    if (error !== undefined) errors.push(error);
    if (warning !== undefined) warnings.push(warning);
  }
  return { errors, warnings };
}

function checkField(
  subject: string,
  field: string,
  source: string,
  spec: ExpressionSpec,
): { error?: string; warning?: string } {
  if (source.trim() === '')
    return { error: `${subject}: ${field} is empty; write a CEL expression, e.g. ${spec.example}` };
  const checked = checkExpression(source, spec.type, spec);
  if (!checked.ok) return { error: `${subject}: ${field} ${describe(checked, spec)}` };
  if (field === 'eventKey' && constantValue(source, spec) === '') {
    return {
      error: `${subject}: eventKey is always the empty string; it must yield a non-empty string, e.g. ${spec.example}`,
    };
  }
  const at = checked.dynamicPattern;
  if (at === undefined) return {};
  return {
    warning:
      `${subject}: ${field} calls matches() with a pattern that is not a literal at ${at.line}:${at.column}; ` +
      'RE2 is linear in the subject but its cost also grows with the pattern, so a pattern taken from the request ' +
      'can make each delivery slow. Prefer a literal pattern',
  };
}

function describe(problem: ExpressionProblem, spec: ExpressionSpec): string {
  const at = `${problem.line}:${problem.column}`;
  const message = problem.message.charAt(0).toLowerCase() + problem.message.slice(1);
  switch (problem.kind) {
    case 'syntax':
      return `is not valid CEL at ${at}: ${message}. Fix the expression; strings are quoted, e.g. ${spec.example}`;
    case 'regex':
      return `has an invalid regular expression at ${at}: ${message}. matches() takes RE2 syntax (no lookaround or backreferences)`;
    case 'result':
      return `must return ${spec.type}${spec.nullable ? ' or null' : ''}, got ${problem.actualType}${resultHint(spec)}`;
    case 'type':
      return `does not type-check at ${at}: ${message}${typeHint(problem.code, spec)}`;
  }
}

function resultHint(spec: ExpressionSpec): string {
  if (spec.type === 'string') return `. Convert it with string(...), e.g. ${spec.example}`;
  if (spec.type === 'bool') return ". Compare it, e.g. input.amount > 1000 or input.action == 'opened'";
  return '';
}

function typeHint(code: string, spec: ExpressionSpec): string {
  if (code === 'unknown_variable') return `. Variables: ${VARIABLES[spec.environment].join(', ')}`;
  if (code === 'no_such_overload' || code === 'no_matching_overload') {
    return '. Convert explicitly: string(x), int(x), double(x); JSON numbers are doubles';
  }
  return '';
}

/** The value of an expression that needs no variables, or undefined. */
function constantValue(source: string, spec: ExpressionSpec): unknown {
  try {
    return compileExpression(source, spec.type, spec).evaluate({});
  } catch {
    return undefined;
  }
}

function arrayPreset(verifier: VerifierConfig | undefined): string | undefined {
  if (verifier === undefined) return undefined;
  if (verifier.type === 'allOf') return verifier.sources.map(arrayPreset).find((s) => s !== undefined);
  return ARRAY_PRESETS[verifier.type];
}

function staticPayloadProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return `staticPayload must be a JSON object, got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`;
  }
  const bad = nonJson(value, 'staticPayload');
  return bad === undefined
    ? undefined
    : `${bad.path} is not a JSON value (${bad.what}); use strings, numbers, booleans, null, arrays and objects`;
}

function nonJson(value: unknown, path: string): { path: string; what: string } | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return undefined;
    case 'number':
      return Number.isFinite(value) ? undefined : { path, what: String(value) };
    case 'object': {
      if (value === null) return undefined;
      if (Array.isArray(value)) {
        for (const [i, item] of value.entries()) {
          const bad = nonJson(item, `${path}[${i}]`);
          if (bad) return bad;
        }
        return undefined;
      }
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null)
        return { path, what: `a ${proto?.constructor?.name ?? 'class'} instance` };
      for (const [key, item] of Object.entries(value)) {
        const bad = nonJson(item, `${path}.${key}`);
        if (bad) return bad;
      }
      return undefined;
    }
    default:
      return { path, what: typeof value };
  }
}
