import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jsiiProblems } from './jsii-check';

const root = resolve(__dirname, '../..');

/** A tiny package with one of each thing jsii refuses, next to things it accepts. */
const FIXTURE: Record<string, string> = {
  'index.ts': `
export { Period } from 'aws-cdk-lib/aws-apigateway';
export const LIMIT = 5;
export function helper(): void {}
export type Mode = 'a' | 'b';
export { Kind, Shapes } from './shapes';
export type { IShape, Picked, ShapeProps } from './shapes';
`,
  'shapes.ts': `
import type { Duration } from 'aws-cdk-lib';
import type { Hidden } from './hidden';

export interface ShapeProps {
  readonly mode: 'a' | 'b';
  readonly both: Duration & IShape;
  readonly names: readonly string[];
  readonly default?: string;
  readonly equals?: string;
  mutable: string;
  readonly pair: [string, number];
  readonly callback: () => void;
  readonly inline: { readonly x: number };
  readonly hidden: Hidden;
  readonly durations?: Record<string, Duration>;
  readonly labels?: Readonly<Record<string, string>>;
  readonly flag?: boolean;
  readonly kind?: Kind;
  readonly kinds: Kind[];
  readonly when?: Date;
  describe(): string;
}

export interface IShape {
  area(): number;
}

export enum Kind {
  ROUND = 'round',
  square = 'square',
}

export interface Picked extends Pick<ShapeProps, 'mode'> {}

export class Shapes<T> {
  static readonly MAX_SIDES = 3;
  private readonly secret = 1;
  constructor(readonly type: string) {}
  /** @internal */
  _hidden(): Hidden {
    return { meta: String(this.secret) };
  }
  /** @internal */
  notUnderscored(): void {}
  scale(by: number, props: ShapeProps): void {}
  pick(kind: string, props: ShapeProps): T[] {
    return [];
  }
  bytes(): Buffer {
    return Buffer.alloc(0);
  }
  Draw(): void {}
  async later(): Promise<Kind | undefined> {
    return undefined;
  }
}
`,
  'hidden.ts': `
export interface Hidden {
  readonly meta: string;
}
export const here = import.meta.url;
`,
};

describe('the construct library', () => {
  it('has a public API that jsii can compile for Python, Java, .NET and Go', () => {
    const lib = readdirSync(join(root, 'lib'), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts'))
      .map((f) => `lib/${f}`);
    expect(lib).toContain('lib/private/functions.ts');
    expect(jsiiProblems({ root, entry: 'lib/index.ts', files: lib })).toEqual([]);
  }, 120_000);
});

describe('jsiiProblems', () => {
  it('reports each kind of API jsii refuses, and nothing it accepts', () => {
    const dir = join(root, 'test/.tmp/jsii-fixture');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    for (const [file, text] of Object.entries(FIXTURE)) writeFileSync(join(dir, file), text);

    expect(jsiiProblems({ root: dir, entry: 'index.ts' })).toEqual([
      'hidden.ts: Hidden: used by shapes.ts: ShapeProps.hidden but not exported from index.ts',
      'hidden.ts: line 5: import.meta: jsii emits CommonJS, which has no import.meta',
      'index.ts: LIMIT: exported constant: jsii exports classes, interfaces and enums only; make it a static member of a class or an enum',
      "index.ts: Mode: exported type alias of 'a' | 'b': jsii has no type aliases; use an interface, an enum or a class",
      'index.ts: Period: re-exports a type of aws-cdk-lib: jsii would give it a second name; users import it from aws-cdk-lib',
      'index.ts: helper: exported function: jsii exports classes, interfaces and enums only; make it a static method of a class',
      'shapes.ts: Kind.square: enum members must be ALL_CAPS',
      "shapes.ts: Picked: extends Pick<ShapeProps, 'mode'>, which is not a class or an interface: declare its members",
      'shapes.ts: ShapeProps.both: intersection type Duration & IShape: declare an interface that extends the parts',
      'shapes.ts: ShapeProps.callback: function type () => void: jsii has none; take an interface with one method',
      'shapes.ts: ShapeProps.default: "default" is a reserved word in C#, Java, Go: rename it',
      'shapes.ts: ShapeProps.describe: method of a struct (an interface not named I…): rename it IShapeProps or move the method to a class',
      'shapes.ts: ShapeProps.equals: "equals" is refused by jsii (it clashes with equals/hashCode/build in Java and C#): rename it',
      'shapes.ts: ShapeProps.inline: anonymous or mapped object type { readonly x: number; }: declare an interface',
      'shapes.ts: ShapeProps.mode: union type "a" | "b": Java, C# and Go have no unions; use an enum, a class with static factories, or one member per case',
      'shapes.ts: ShapeProps.mutable: property of a struct (an interface not named I…) must be readonly',
      'shapes.ts: ShapeProps.names: readonly array readonly string[]: jsii takes T[] only (the member itself may stay readonly)',
      'shapes.ts: ShapeProps.pair: tuple type [string, number]: use an array or a struct',
      'shapes.ts: Shapes.Draw: member names must be camelCase',
      'shapes.ts: Shapes.bytes(): uses Buffer of @types/node, which is not a jsii module',
      'shapes.ts: Shapes.constructor(type): "type" is a reserved word in Go: rename it',
      'shapes.ts: Shapes.notUnderscored: a member is @internal exactly when its name starts with "_"',
      'shapes.ts: Shapes.pick(): type parameter T: jsii has no generics',
      "shapes.ts: Shapes.pick(kind): shares its name with a property of the last parameter's struct",
      'shapes.ts: Shapes.type: "type" is a reserved word in Go: rename it',
      'shapes.ts: Shapes: generic class: jsii has no generics',
    ]);
  }, 120_000);
});
