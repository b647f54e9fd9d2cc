import type { ParseResult } from '@marcbachmann/cel-js';
import { celEnvironment, RE2_MATCHES_METHOD, type CelEnvironmentName } from './environment';
import { patternError } from './regex';

/** The result type an expression must have; `dyn` expressions are checked at run time instead. */
export type ExpectedType = 'string' | 'bool';

export interface ExpressionOptions {
  /** Variables in scope. @default 'request' */
  readonly environment?: CelEnvironmentName;
  /** Also accept a `null` result type (scope, idempotencyKey, groupBy: null means "use the default"). */
  readonly nullable?: boolean;
}

/** Why an expression does not compile: `syntax` (parse), `type` (type check), `result` (wrong result type), `regex`. */
export type ExpressionErrorKind = 'syntax' | 'type' | 'result' | 'regex';

export interface ExpressionProblem {
  readonly ok: false;
  readonly kind: ExpressionErrorKind;
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly column: number;
  /** cel-js's code, e.g. `unexpected_token`, `no_such_overload`, `unknown_variable`. */
  readonly code: string;
  /** One line, without position. */
  readonly message: string;
  /** For `result`: the type the expression returns. */
  readonly actualType?: string;
}

export interface ExpressionChecked {
  readonly ok: true;
  readonly type: string;
  /** Where `matches()` takes a pattern that is not a literal (from the request): RE2 time grows with pattern × subject. */
  readonly dynamicPattern?: { readonly line: number; readonly column: number };
}

export type ExpressionCheck = ExpressionChecked | ExpressionProblem;

export interface CompiledExpression {
  readonly source: string;
  /** The statically checked result type (`dyn` when only the run time knows). */
  readonly type: string;
  /** Evaluates over the variables; throws the CEL evaluation error (see celErrorMessage). */
  evaluate(variables: Readonly<Record<string, unknown>>): unknown;
}

/** An expression that does not compile. At run time this is a deployment bug: synth validates first. */
export class CelCompileError extends Error {
  override readonly name = 'CelCompileError';
  constructor(
    readonly source: string,
    readonly problem: ExpressionProblem,
  ) {
    super(`${problem.message} at ${problem.line}:${problem.column} in ${JSON.stringify(source)}`);
  }
}

/** Parses and type-checks, and checks the result type and every literal `matches()` pattern. */
export function checkExpression(source: string, expected: ExpectedType, options?: ExpressionOptions): ExpressionCheck {
  const analysed = analyse(source, expected, options);
  if (!analysed.ok) return analysed;
  const { program: _program, ...checked } = analysed;
  return checked;
}

/** Compiles once for many evaluations; throws CelCompileError. */
export function compileExpression(
  source: string,
  expected: ExpectedType,
  options?: ExpressionOptions,
): CompiledExpression {
  const analysed = analyse(source, expected, options);
  if (!analysed.ok) throw new CelCompileError(source, analysed);
  const { program, type } = analysed;
  return { source, type, evaluate: (variables) => program(variables) };
}

/** One line for a CEL error: its summary with the internal RE2 method name mapped back to `matches`. */
export function celErrorMessage(error: unknown): string {
  const e = error as { summary?: unknown; message?: unknown };
  const text = typeof e?.summary === 'string' ? e.summary : typeof e?.message === 'string' ? e.message : String(error);
  return text.split('\n')[0]!.replaceAll(`.${RE2_MATCHES_METHOD}(`, '.matches(');
}

/** Where a CEL error points, 1-based, or undefined. */
export function celErrorPosition(source: string, error: unknown): { line: number; column: number } | undefined {
  const e = error as { node?: { pos?: unknown }; range?: { start?: unknown } };
  const offset = typeof e?.node?.pos === 'number' ? e.node.pos : e?.range?.start;
  return typeof offset === 'number' ? position(source, offset) : undefined;
}

type Analysed = (ExpressionChecked & { program: ParseResult }) | ExpressionProblem;

function analyse(source: string, expected: ExpectedType, options: ExpressionOptions = {}): Analysed {
  const env = celEnvironment(options.environment ?? 'request');
  let program: ParseResult;
  try {
    program = env.parse(source);
  } catch (error) {
    return problem('syntax', source, error);
  }

  const patterns = useRe2(program.ast as unknown as AstNode);
  for (const { pattern, node } of patterns.literals) {
    const reason = patternError(pattern);
    if (reason !== undefined) {
      return {
        ok: false,
        kind: 'regex',
        ...position(source, node.pos ?? node.start),
        code: 'invalid_regular_expression',
        message: `${JSON.stringify(pattern)} is not RE2 syntax: ${reason}`,
      };
    }
  }

  const checked = program.check();
  if (!checked.valid) return problem('type', source, checked.error);
  const type = checked.type ?? 'dyn';
  const accepted = type === expected || type === 'dyn' || (options.nullable === true && type === 'null');
  if (!accepted) {
    return {
      ok: false,
      kind: 'result',
      line: 1,
      column: 1,
      code: 'wrong_result_type',
      message: `must return ${expected}, got ${type}`,
      actualType: type,
    };
  }
  const dynamic = patterns.dynamic[0];
  return {
    ok: true,
    program,
    type,
    ...(dynamic && { dynamicPattern: position(source, dynamic.start) }),
  };
}

function problem(kind: ExpressionErrorKind, source: string, error: unknown): ExpressionProblem {
  const code = (error as { code?: unknown })?.code;
  return {
    ok: false,
    kind,
    ...(celErrorPosition(source, error) ?? { line: 1, column: 1 }),
    code: typeof code === 'string' ? code : 'error',
    message: celErrorMessage(error),
  };
}

function position(source: string, offset: number): { line: number; column: number } {
  const before = source.slice(0, offset).split('\n');
  return { line: before.length, column: before.at(-1)!.length + 1 };
}

interface AstNode {
  op: string;
  args: unknown;
  pos?: number;
  start: number;
  meta?: { alternate?: unknown };
}

function isNode(value: unknown): value is AstNode {
  return typeof value === 'object' && value !== null && typeof (value as AstNode).op === 'string' && 'args' in value;
}

/**
 * Points every `x.matches(p)` call at the RE2 implementation (cel-js does not let a built-in
 * overload be replaced, but resolves methods by the name in the AST at check time) and returns
 * the patterns of `x.matches(p)` and `matches(x, p)`: literals to validate, others to warn about.
 */
function useRe2(root: AstNode): { literals: { pattern: string; node: AstNode }[]; dynamic: AstNode[] } {
  const literals: { pattern: string; node: AstNode }[] = [];
  const dynamic: AstNode[] = [];
  const seen = new Set<unknown>();
  const visit = (value: unknown): void => {
    if (typeof value !== 'object' || value === null || seen.has(value)) return;
    seen.add(value);
    if (Array.isArray(value)) return value.forEach(visit);
    if (!isNode(value)) return Object.values(value).forEach(visit);

    const { op, args } = value;
    if ((op === 'rcall' || op === 'call') && Array.isArray(args) && args[0] === 'matches') {
      const callArgs = (op === 'rcall' ? args[2] : args[1]) as unknown[];
      if (callArgs.length === (op === 'rcall' ? 1 : 2)) {
        if (op === 'rcall') args[0] = RE2_MATCHES_METHOD;
        const pattern = callArgs.at(-1);
        if (isNode(pattern) && pattern.op === 'value' && typeof pattern.args === 'string') {
          literals.push({ pattern: pattern.args, node: pattern });
        } else if (isNode(pattern)) {
          dynamic.push(pattern);
        }
      }
    }
    visit(args);
    visit(value.meta?.alternate);
  };
  visit(root);
  return { literals, dynamic };
}
