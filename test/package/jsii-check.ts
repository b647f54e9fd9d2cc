import { existsSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';

/**
 * A static check that a TypeScript package's public API is one jsii can compile (so that Python,
 * Java, .NET and Go users can get it), without jsii: the TypeScript compiler API walks every symbol
 * the entry point exports and every type reachable from their public signatures, and reports what
 * jsii refuses or renames. The rules follow jsii-compiler's `src/assembler.ts` and the "TypeScript
 * restrictions" page of the jsii docs.
 */

/**
 * Reserved words of jsii's target languages (jsii-compiler `src/reserved-words.ts`): a member so
 * named is renamed or breaks the generated code in that language.
 */
const RESERVED_WORDS: Record<string, string> = {
  'C#': `abstract as base bool break byte case catch char checked class const continue decimal default delegate do
    double else enum event explicit extern false finally fixed float for foreach goto if implicit in int interface
    internal is lock long namespace new null object operator out override params private protected public readonly
    ref return sbyte sealed short sizeof stackalloc static string struct switch this throw true try typeof uint ulong
    unchecked unsafe ushort using virtual void volatile while`,
  Java: `abstract continue for new switch assert default goto package synchronized boolean do if private this break
    double implements protected throw byte else import public throws case enum instanceof return transient catch
    extends int short try char final interface static void class finally long strictfp volatile const float native
    super while true false null`,
  Python: `False class finally is return None continue for lambda try True def from nonlocal while and del global not
    with as elif if or yield assert else import pass break except in raise self`,
  Go: `break case chan const continue default defer else fallthrough for func go goto if import interface map package
    range return select struct switch type var true false iota nil int int8 int16 int32 int64 uint uint8 uint16
    uint32 uint64 uintptr float32 float64 complex128 complex64 bool rune byte string error make len cap new append
    copy close delete complex real imag panic recover`,
};
const RESERVED = new Map<string, string[]>();
for (const [language, words] of Object.entries(RESERVED_WORDS)) {
  for (const word of words.split(/\s+/).filter(Boolean)) RESERVED.set(word, [...(RESERVED.get(word) ?? []), language]);
}

/** Member names jsii refuses (they clash with Java's and C#'s `equals`/`hashCode` and Java builders' `build`). */
const PROHIBITED_MEMBER_NAMES = new Set(['build', 'equals', 'hashcode']);

/** Types of TypeScript's standard library that jsii maps to a type of every language. */
const STANDARD_TYPES = new Set(['Date', 'Array', 'Promise']);

export interface JsiiCheckOptions {
  /** The package root: reported paths are relative to it. */
  readonly root: string;
  /** The entry point whose exports are the public API, relative to root (`lib/index.ts`). */
  readonly entry: string;
  /** Further files (relative to root) that must not use `import.meta`, besides everything the entry imports. */
  readonly files?: readonly string[];
  /** @default - the compiler options of `<root>/tsconfig.json`, else strict defaults */
  readonly compilerOptions?: ts.CompilerOptions;
}

/** Every problem as `path: Type.member: problem`, sorted; empty when jsii would accept the API. */
export function jsiiProblems(options: JsiiCheckOptions): string[] {
  return new JsiiCheck(options).run();
}

function compilerOptionsOf(root: string): ts.CompilerOptions {
  const file = join(root, 'tsconfig.json');
  if (!existsSync(file)) {
    return {
      strict: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
    };
  }
  const config = ts.readConfigFile(file, ts.sys.readFile);
  return ts.parseJsonConfigFileContent(config.config, ts.sys, root).options;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').replace(/< /g, '<').replace(/ >/g, '>');
}

const NOTHING = ts.TypeFlags.Undefined | ts.TypeFlags.Null | ts.TypeFlags.Void;
const PRIMITIVE =
  ts.TypeFlags.Any |
  ts.TypeFlags.Unknown |
  ts.TypeFlags.String |
  ts.TypeFlags.Number |
  ts.TypeFlags.Boolean |
  ts.TypeFlags.StringLiteral |
  ts.TypeFlags.NumberLiteral |
  ts.TypeFlags.BooleanLiteral |
  NOTHING;

class JsiiCheck {
  private readonly root: string;
  private readonly entry: string;
  private readonly program: ts.Program;
  private readonly checker: ts.TypeChecker;
  private readonly problems = new Set<string>();
  private readonly exported = new Set<ts.Symbol>();
  private readonly queued = new Set<ts.Symbol>();
  private readonly queue: ts.Symbol[] = [];
  private readonly packages = new Map<string, { readonly name: string; readonly jsii: boolean }>();

  constructor(options: JsiiCheckOptions) {
    this.root = resolve(options.root);
    this.entry = options.entry;
    const files = [options.entry, ...(options.files ?? [])].map((f) => resolve(this.root, f));
    this.program = ts.createProgram(files, {
      ...(options.compilerOptions ?? compilerOptionsOf(this.root)),
      noEmit: true,
    });
    this.checker = this.program.getTypeChecker();
  }

  run(): string[] {
    const entry = this.program.getSourceFile(resolve(this.root, this.entry));
    const module = entry && this.checker.getSymbolAtLocation(entry);
    if (!entry || !module) return [`${this.entry}: (module): not found or not a module`];
    const exports = this.checker.getExportsOfModule(module).map((e) => ({
      name: e.name,
      symbol: e.flags & ts.SymbolFlags.Alias ? this.checker.getAliasedSymbol(e) : e,
    }));
    for (const { symbol } of exports) this.exported.add(symbol);
    for (const { name, symbol } of exports) this.checkExport(name, symbol);
    for (let next = this.queue.shift(); next; next = this.queue.shift()) this.visit(next);
    this.checkImportMeta();
    return [...this.problems].sort();
  }

  private report(node: ts.Node, label: string, problem: string): void {
    this.problems.add(`${this.pathOf(node.getSourceFile())}: ${label}: ${problem}`);
  }

  private pathOf(file: ts.SourceFile): string {
    return relative(this.root, file.fileName).split('\\').join('/');
  }

  private isForeign(file: ts.SourceFile): boolean {
    return (
      file.fileName.split('\\').join('/').includes('/node_modules/') || this.program.isSourceFileDefaultLibrary(file)
    );
  }

  /** The npm package a file of node_modules belongs to, and whether it is a jsii module. */
  private packageOf(fileName: string): { readonly name: string; readonly jsii: boolean } {
    const path = fileName.split('\\').join('/');
    const at = path.lastIndexOf('/node_modules/');
    const [first = '', second = ''] = path.slice(at + '/node_modules/'.length).split('/');
    const name = first.startsWith('@') ? `${first}/${second}` : first;
    const dir = `${path.slice(0, at)}/node_modules/${name}`;
    let info = this.packages.get(dir);
    if (!info) {
      const manifest = JSON.parse(readFileSync(`${dir}/package.json`, 'utf8')) as { jsii?: unknown };
      info = { name, jsii: manifest.jsii !== undefined };
      this.packages.set(dir, info);
    }
    return info;
  }

  private checkExport(name: string, symbol: ts.Symbol): void {
    for (const decl of symbol.declarations ?? []) {
      const file = decl.getSourceFile();
      if (this.isForeign(file)) {
        const from = this.program.isSourceFileDefaultLibrary(file) ? 'TypeScript' : this.packageOf(file.fileName).name;
        this.problems.add(
          `${this.entry}: ${name}: re-exports a type of ${from}: jsii would give it a second name; users import it from ${from}`,
        );
        return;
      }
      if (ts.isClassDeclaration(decl) || ts.isInterfaceDeclaration(decl) || ts.isEnumDeclaration(decl)) {
        this.enqueue(symbol);
      } else if (ts.isFunctionDeclaration(decl)) {
        this.report(
          decl,
          name,
          'exported function: jsii exports classes, interfaces and enums only; make it a static method of a class',
        );
      } else if (ts.isVariableDeclaration(decl)) {
        this.report(
          decl,
          name,
          'exported constant: jsii exports classes, interfaces and enums only; make it a static member of a class or an enum',
        );
      } else if (ts.isTypeAliasDeclaration(decl)) {
        this.report(
          decl,
          name,
          `exported type alias of ${oneLine(decl.type.getText())}: jsii has no type aliases; use an interface, an enum or a class`,
        );
      } else if (!ts.isModuleDeclaration(decl)) {
        this.report(
          decl,
          name,
          `exported ${ts.SyntaxKind[decl.kind]}: jsii exports classes, interfaces and enums only`,
        );
      }
    }
  }

  private enqueue(symbol: ts.Symbol): void {
    if (this.queued.has(symbol)) return;
    this.queued.add(symbol);
    this.queue.push(symbol);
  }

  private visit(symbol: ts.Symbol): void {
    for (const decl of symbol.declarations ?? []) {
      if (ts.isClassDeclaration(decl)) this.visitClass(decl, symbol.name);
      else if (ts.isInterfaceDeclaration(decl)) this.visitInterface(decl, symbol.name);
      else if (ts.isEnumDeclaration(decl)) this.visitEnum(decl, symbol.name);
    }
  }

  /** A type the public API uses: declared in this package it must be exported too; else it must come from a jsii module. */
  private reference(symbol: ts.Symbol, usedBy: string): void {
    const decl = symbol.declarations?.[0];
    if (!decl) return;
    const file = decl.getSourceFile();
    if (this.program.isSourceFileDefaultLibrary(file)) {
      if (!STANDARD_TYPES.has(symbol.name))
        this.problems.add(`${usedBy}: uses ${symbol.name}, a standard type jsii does not map`);
      return;
    }
    if (this.isForeign(file)) {
      const pkg = this.packageOf(file.fileName);
      if (!pkg.jsii) this.problems.add(`${usedBy}: uses ${symbol.name} of ${pkg.name}, which is not a jsii module`);
      return;
    }
    if (!this.exported.has(symbol) && !this.queued.has(symbol))
      this.report(decl, symbol.name, `used by ${usedBy} but not exported from ${this.entry}`);
    this.enqueue(symbol);
  }

  /** `where` is the path and label of a member, for messages about a type it references. */
  private where(node: ts.Node, label: string): string {
    return `${this.pathOf(node.getSourceFile())}: ${label}`;
  }

  private checkTypeName(decl: ts.Node, name: string): void {
    this.checkReserved(decl, name, name);
    if (!/^[A-Z][A-Za-z0-9]*$/.test(name)) this.report(decl, name, 'type names must be PascalCase');
  }

  private checkReserved(node: ts.Node, label: string, name: string): void {
    const languages = RESERVED.get(name);
    if (languages) this.report(node, label, `"${name}" is a reserved word in ${languages.join(', ')}: rename it`);
  }

  private checkMemberName(node: ts.Node, label: string, name: string, staticReadonly: boolean): void {
    this.checkReserved(node, label, name);
    if (PROHIBITED_MEMBER_NAMES.has(name.toLowerCase()))
      this.report(
        node,
        label,
        `"${name}" is refused by jsii (it clashes with equals/hashCode/build in Java and C#): rename it`,
      );
    const camel = /^[a-z][A-Za-z0-9]*$/.test(name);
    const constant = /^[A-Z][A-Z0-9_]*$/.test(name) || /^[A-Z][A-Za-z0-9]*$/.test(name);
    if (!camel && !(staticReadonly && constant)) this.report(node, label, 'member names must be camelCase');
  }

  /** Members skipped as jsii skips them: private ones, and `@internal` ones (whose names must start with `_`). */
  private isHidden(member: ts.ClassElement | ts.TypeElement | ts.ParameterDeclaration, label: string): boolean {
    if (member.name && ts.isPrivateIdentifier(member.name)) return true;
    const flags = ts.getCombinedModifierFlags(member as ts.Declaration);
    if (flags & ts.ModifierFlags.Private) return true;
    const name = member.name && ts.isIdentifier(member.name) ? member.name.text : '';
    const internal = ts.getJSDocTags(member).some((t) => t.tagName.text === 'internal');
    if (!internal && !name.startsWith('_')) return false;
    if (internal !== name.startsWith('_'))
      this.report(member, label, 'a member is @internal exactly when its name starts with "_"');
    return true;
  }

  private checkHeritage(decl: ts.ClassDeclaration | ts.InterfaceDeclaration, name: string): void {
    for (const clause of decl.heritageClauses ?? []) {
      for (const node of clause.types) {
        const type = this.checker.getTypeAtLocation(node);
        const symbol = type.aliasSymbol ?? type.getSymbol();
        const good = symbol?.declarations?.every((d) => ts.isClassDeclaration(d) || ts.isInterfaceDeclaration(d));
        if (!symbol || !good || type.aliasSymbol) {
          this.report(
            decl,
            name,
            `extends ${oneLine(node.getText())}, which is not a class or an interface: declare its members`,
          );
        } else {
          this.reference(symbol, this.where(decl, name));
        }
      }
    }
  }

  private visitClass(decl: ts.ClassDeclaration, name: string): void {
    this.checkTypeName(decl, name);
    if (decl.typeParameters?.length) this.report(decl, name, 'generic class: jsii has no generics');
    this.checkHeritage(decl, name);
    for (const member of decl.members) {
      if (ts.isSemicolonClassElement(member) || ts.isClassStaticBlockDeclaration(member)) continue;
      if (ts.isIndexSignatureDeclaration(member)) {
        this.report(member, name, 'index signature: jsii has none; use a Record<string, T> property');
        continue;
      }
      if (ts.isConstructorDeclaration(member)) {
        for (const param of member.parameters) {
          const modifiers = ts.getCombinedModifierFlags(param);
          const isProperty = modifiers & (ts.ModifierFlags.ParameterPropertyModifier | ts.ModifierFlags.Readonly);
          const label = `${name}.${param.name.getText()}`;
          if (isProperty && !this.isHidden(param, label)) this.checkProperty(param, label, false);
        }
        if (!(ts.getCombinedModifierFlags(member) & ts.ModifierFlags.Private))
          this.checkSignature(member, `${name}.constructor`);
        continue;
      }
      const memberName = member.name?.getText() ?? '';
      const label = `${name}.${memberName}`;
      if (this.isHidden(member, label)) continue;
      const flags = ts.getCombinedModifierFlags(member);
      const staticReadonly = (flags & ts.ModifierFlags.Static) !== 0 && (flags & ts.ModifierFlags.Readonly) !== 0;
      this.checkMemberName(member, label, memberName, staticReadonly);
      if (ts.isMethodDeclaration(member)) this.checkSignature(member, label);
      else if (ts.isPropertyDeclaration(member) || ts.isAccessor(member)) this.checkProperty(member, label, true);
    }
  }

  private visitInterface(decl: ts.InterfaceDeclaration, name: string): void {
    this.checkTypeName(decl, name);
    const struct = !/^I[A-Z]/.test(name);
    if (decl.typeParameters?.length) this.report(decl, name, 'generic interface: jsii has no generics');
    this.checkHeritage(decl, name);
    for (const member of decl.members) {
      const memberName = member.name?.getText() ?? '';
      const label = memberName ? `${name}.${memberName}` : name;
      if (ts.isIndexSignatureDeclaration(member)) {
        this.report(member, label, 'index signature: jsii has none; use a Record<string, T> property');
      } else if (ts.isCallSignatureDeclaration(member) || ts.isConstructSignatureDeclaration(member)) {
        this.report(member, label, 'call or construct signature: jsii has none; declare a method');
      } else if (this.isHidden(member, label)) {
        continue;
      } else if (ts.isMethodSignature(member)) {
        if (struct)
          this.report(
            member,
            label,
            `method of a struct (an interface not named I…): rename it I${name} or move the method to a class`,
          );
        this.checkMemberName(member, label, memberName, false);
        this.checkSignature(member, label);
      } else if (ts.isPropertySignature(member)) {
        this.checkMemberName(member, label, memberName, false);
        const readonly = (ts.getCombinedModifierFlags(member) & ts.ModifierFlags.Readonly) !== 0;
        if (struct && !readonly)
          this.report(member, label, 'property of a struct (an interface not named I…) must be readonly');
        this.checkProperty(member, label, false);
      }
    }
  }

  private visitEnum(decl: ts.EnumDeclaration, name: string): void {
    this.checkTypeName(decl, name);
    if (ts.getCombinedModifierFlags(decl) & ts.ModifierFlags.Const)
      this.report(decl, name, 'const enum: jsii needs a plain enum');
    for (const member of decl.members) {
      const memberName = member.name.getText();
      if (!/^[A-Z][A-Z0-9_]*$/.test(memberName))
        this.report(member, `${name}.${memberName}`, 'enum members must be ALL_CAPS');
    }
  }

  private checkProperty(decl: ts.Declaration & { name?: ts.Node }, label: string, named: boolean): void {
    if (!named && decl.name) this.checkMemberName(decl, label, decl.name.getText(), false);
    const symbol = decl.name && this.checker.getSymbolAtLocation(decl.name);
    const type = symbol ? this.checker.getTypeOfSymbolAtLocation(symbol, decl) : this.checker.getTypeAtLocation(decl);
    this.checkType(type, decl, label);
  }

  private checkSignature(decl: ts.SignatureDeclaration, label: string): void {
    if (decl.typeParameters?.length) this.report(decl, label, 'generic method: jsii has no generics');
    const signature = this.checker.getSignatureFromDeclaration(decl);
    if (!signature) return;
    const params = decl.parameters;
    for (const param of params) {
      const paramName = param.name.getText();
      const paramLabel = `${label}(${paramName})`;
      this.checkReserved(param, paramLabel, paramName);
      this.checkType(this.checker.getTypeAtLocation(param), param, paramLabel);
    }
    // jsii lifts a trailing struct's properties into keyword arguments (Python): no other parameter may share a name with them.
    const last = params.at(-1);
    if (last && params.length > 1) {
      const props = new Set(
        this.checker
          .getTypeAtLocation(last)
          .getNonNullableType()
          .getProperties()
          .map((p) => p.name),
      );
      for (const param of params.slice(0, -1)) {
        if (props.has(param.name.getText()))
          this.report(
            param,
            `${label}(${param.name.getText()})`,
            `shares its name with a property of the last parameter's struct`,
          );
      }
    }
    if (!ts.isConstructorDeclaration(decl)) this.checkType(signature.getReturnType(), decl, `${label}()`);
  }

  private checkType(type: ts.Type, at: ts.Node, label: string): void {
    const text = () => this.checker.typeToString(type);
    const usedBy = this.where(at, label);
    if (type.flags & ts.TypeFlags.Never) {
      this.report(at, label, 'type never: jsii has no bottom type');
      return;
    }
    const symbol = type.getSymbol();
    if (symbol && symbol.flags & ts.SymbolFlags.Enum) {
      this.reference(symbol, usedBy);
      return;
    }
    if (type.flags & ts.TypeFlags.EnumLiteral && !type.isUnion()) {
      const enumType = this.checker.getBaseTypeOfLiteralType(type);
      const enumSymbol = enumType.getSymbol();
      if (enumSymbol) this.reference(enumSymbol, usedBy);
      return;
    }
    if (type.flags & PRIMITIVE) return;
    if (type.isUnion()) {
      const members = type.types.filter((t) => !(t.flags & NOTHING));
      const bases = [
        ...new Set(
          members.map((t) =>
            t.flags & (ts.TypeFlags.EnumLiteral | ts.TypeFlags.BooleanLiteral)
              ? this.checker.getBaseTypeOfLiteralType(t)
              : t,
          ),
        ),
      ];
      if (bases.length === 1) {
        this.checkType(bases[0]!, at, label);
        return;
      }
      this.report(
        at,
        label,
        `union type ${text()}: Java, C# and Go have no unions; use an enum, a class with static factories, or one member per case`,
      );
      for (const base of bases) this.checkType(base, at, label);
      return;
    }
    if (type.isIntersection()) {
      this.report(at, label, `intersection type ${text()}: declare an interface that extends the parts`);
      return;
    }
    if (type.flags & ts.TypeFlags.TypeParameter) {
      this.report(at, label, `type parameter ${text()}: jsii has no generics`);
      return;
    }
    if (!(type.flags & ts.TypeFlags.Object)) {
      this.report(at, label, `type ${text()} has no jsii equivalent`);
      return;
    }
    if (this.checker.isTupleType(type)) {
      this.report(at, label, `tuple type ${text()}: use an array or a struct`);
      return;
    }
    if (this.checker.isArrayType(type)) {
      if (symbol?.name === 'ReadonlyArray')
        this.report(at, label, `readonly array ${text()}: jsii takes T[] only (the member itself may stay readonly)`);
      const element = (type as ts.TypeReference).typeArguments?.[0];
      if (element) this.checkType(element, at, label);
      return;
    }
    if (
      symbol?.name === 'Promise' &&
      symbol.declarations?.some((d) => this.program.isSourceFileDefaultLibrary(d.getSourceFile()))
    ) {
      const value = (type as ts.TypeReference).typeArguments?.[0];
      if (value) this.checkType(value, at, label);
      return;
    }
    if (symbol && symbol.flags & (ts.SymbolFlags.Class | ts.SymbolFlags.Interface)) {
      const args = (type as ts.TypeReference).typeArguments ?? [];
      const local = symbol.declarations?.some((d) => !this.isForeign(d.getSourceFile()));
      if (args.length > 0 && local) this.report(at, label, `generic type ${text()}: jsii has no generics`);
      this.reference(symbol, usedBy);
      return;
    }
    if (type.getCallSignatures().length > 0 || type.getConstructSignatures().length > 0) {
      this.report(at, label, `function type ${text()}: jsii has none; take an interface with one method`);
      return;
    }
    const values = type.getStringIndexType();
    if (values && type.getProperties().length === 0) {
      this.checkType(values, at, label);
      return;
    }
    this.report(at, label, `anonymous or mapped object type ${text()}: declare an interface`);
  }

  /** `import.meta` does not exist in the CommonJS modules jsii emits: none in the package's own files. */
  private checkImportMeta(): void {
    for (const file of this.program.getSourceFiles()) {
      if (this.isForeign(file) || file.isDeclarationFile) continue;
      const visit = (node: ts.Node): void => {
        if (ts.isMetaProperty(node) && node.keywordToken === ts.SyntaxKind.ImportKeyword) {
          const line = file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1;
          this.report(node, `line ${line}`, `${node.getText(file)}: jsii emits CommonJS, which has no import.meta`);
        }
        ts.forEachChild(node, visit);
      };
      visit(file);
    }
  }
}
