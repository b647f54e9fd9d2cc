import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { codeBlocks, markdownPages } from '../support/markdown';

/**
 * Every ```ts block of the README, SECURITY.md and docs/*.md compiles against the real library. The
 * snippets import the constructs by package name, as users do (`from 'aws-webhook-gateway'`, which
 * tsconfig.json maps to lib/index.ts), and other sources as if from the repository's root
 * (`from './lambdas/…'`). Each block becomes a module: its imports and `declare`s at the top, its statements inside a function (so a block may redeclare
 * what the prelude declares), with the names the docs' prose relies on declared in a prelude.
 */
const root = resolve(__dirname, '../..');
const outDir = join(root, 'test/.tmp/doc-snippets');

/** Names the snippets may use without importing them, with where they come from. */
const PRELUDE_IMPORTS: Record<string, string> = {
  Duration: "import { Duration } from 'aws-cdk-lib';",
  RemovalPolicy: "import { RemovalPolicy } from 'aws-cdk-lib';",
  Size: "import { Size } from 'aws-cdk-lib';",
  Stack: "import { Stack } from 'aws-cdk-lib';",
  sfn: "import * as sfn from 'aws-cdk-lib/aws-stepfunctions';",
  secretsmanager: "import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';",
  iam: "import * as iam from 'aws-cdk-lib/aws-iam';",
  Period: "import { Period } from 'aws-cdk-lib/aws-apigateway';",
  ...Object.fromEntries(
    ['HandshakeFormat', 'HmacAlgorithm', 'JwtAlgorithm', 'SignatureEncoding', 'WebhookGateway', 'WebhookSource'].map((n) => [
      n,
      `import { ${n} } from 'aws-webhook-gateway';`,
    ]),
  ),
  WebhookConfig: "import type { WebhookConfig } from '../../../lambdas/core/config/webhook';",
  RouteConfig: "import type { RouteConfig } from '../../../lambdas/core/config/webhook';",
  InboundRequest: "import type { InboundRequest } from '../../../lambdas/core/http/request';",
};

const PRELUDE_DECLARATIONS = `
declare const stack: Stack;
declare const gateway: WebhookGateway;
declare const processPayment: sfn.IStateMachine;
declare const auditIntents: sfn.IStateMachine;
declare const mirrorGithub: sfn.IStateMachine;
declare const webhookConfig: WebhookConfig;
declare const routes: RouteConfig[];
declare const request: InboundRequest;
declare const deliveryId: string;
declare const role: iam.IRole;
declare const sharedSecret: secretsmanager.ISecret;
`;

/** The TypeScript blocks of every page; any other info string (sh, json, …) is not TypeScript. */
function snippets(): { page: string; line: number; code: string }[] {
  return markdownPages(root).flatMap((page) =>
    codeBlocks(readFileSync(join(root, page), 'utf8'))
      .filter((b) => ['ts', 'typescript', 'tsx'].includes(b.info))
      .map((b) => ({ page, line: b.line, code: b.code })),
  );
}

function moduleFor(code: string): string {
  const lines = code.split('\n');
  const isTop = (l: string) => /^(import|declare) /.test(l);
  const top = lines.filter(isTop).map((l) => l.replace(/from '\.\/(lib|lambdas)\//, "from '../../../$1/"));
  const body = lines.filter((l) => !isTop(l));
  const imported = new Set(top.flatMap(importedNames));
  const declared = new Set(top.flatMap((l) => [...l.matchAll(/^declare const (\w+)/g)].map((m) => m[1]!)));
  const prelude = Object.entries(PRELUDE_IMPORTS)
    .filter(([name]) => !imported.has(name))
    .map(([, line]) => line);
  const declarations = PRELUDE_DECLARATIONS.split('\n').filter((l) => !declared.has(/declare const (\w+)/.exec(l)?.[1] ?? ''));
  return [...prelude, ...top, ...declarations, 'export function snippet(this: Stack): void {', ...body, '}', ''].join('\n');
}

/** The local names an import line binds. */
function importedNames(line: string): string[] {
  const star = /import\s+\*\s+as\s+(\w+)/.exec(line);
  if (star) return [star[1]!];
  const braces = /import\s+(?:type\s+)?(?:(\w+)\s*,\s*)?\{([^}]*)\}/.exec(line);
  if (braces) {
    const names = braces[2]!.split(',').map((n) => n.trim().replace(/^type\s+/, '').split(/\s+as\s+/).pop()!);
    return [...(braces[1] ? [braces[1]] : []), ...names.filter(Boolean)];
  }
  const plain = /import\s+(?:type\s+)?(\w+)\s+from/.exec(line);
  return plain ? [plain[1]!] : [];
}

describe('documentation', () => {
  it('has TypeScript snippets that compile against the library', () => {
    const blocks = snippets();
    expect(blocks.length).toBeGreaterThan(10);
    expect([...new Set(blocks.map((b) => b.page))]).toEqual(expect.arrayContaining(['README.md', 'docs/senders.md']));
    rmSync(outDir, { recursive: true, force: true });
    mkdirSync(outDir, { recursive: true });
    const files = blocks.map((b) => {
      const file = join(outDir, `${b.page.replace(/\.md$/, '').replace(/\W/g, '-')}-line-${b.line}.ts`);
      writeFileSync(file, moduleFor(b.code));
      return file;
    });
    const config = ts.readConfigFile(join(root, 'tsconfig.json'), ts.sys.readFile);
    const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, root);
    const program = ts.createProgram(files, { ...options, noUnusedLocals: false, noUnusedParameters: false, noEmit: true });
    const problems = ts
      .getPreEmitDiagnostics(program)
      .filter((d) => d.file && files.includes(resolve(d.file.fileName)))
      .map((d) => {
        const { line } = d.file!.getLineAndCharacterOfPosition(d.start ?? 0);
        return `${d.file!.fileName.split('/').pop()}:${line + 1}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
      });
    expect(problems).toEqual([]);
  }, 120_000);
});
