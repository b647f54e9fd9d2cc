// @ts-check
import path from 'node:path';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const ARCHITECTURE = 'docs/ARCHITECTURE.md#layers';

/**
 * The layer of a file, from its path in the repository: `lambdas/<folder>` (core, adapters or a
 * handler folder), or its top folder (`lib`, `cli`, `bin`, `test`, `bench`, …).
 * @param {string} file
 */
function layerOf(file) {
  const [top, folder, ...rest] = file.split('/');
  return top === 'lambdas' && folder !== undefined && rest.length > 0 ? `lambdas/${folder}` : top;
}

/** The constructs by package name: tsconfig.json maps it to lib/index.ts. */
const PACKAGE = 'aws-webhook-gateway';
const CORE = 'lambdas/core';
const ADAPTERS = 'lambdas/adapters';

/**
 * What each layer may import, and why not otherwise. Layers missing here (bin, test, bench) import anything.
 * @type {Record<string, { may: (target: string, own: string) => boolean, why: string }>}
 */
const LAYERS = {
  [CORE]: {
    may: (target) => target === CORE,
    why: 'lambdas/core is pure and imports only lambdas/core',
  },
  [ADAPTERS]: {
    may: (target) => target === CORE || target === ADAPTERS,
    why: 'lambdas/adapters imports only lambdas/core and other adapters',
  },
  handler: {
    may: (target, own) => target === CORE || target === ADAPTERS || target === own,
    why: 'a handler folder imports lambdas/core, lambdas/adapters and its own folder, never another handler folder (code that handlers share belongs in core or adapters)',
  },
  lib: {
    may: (target) => !['cli', 'bin', 'test', 'bench'].includes(target),
    why: 'lib (the constructs) imports lambdas and lib, never cli, bin, test or bench',
  },
  cli: {
    may: (target) => !['bin', 'test', 'bench'].includes(target),
    why: 'cli imports lambdas, lib and cli, never bin, test or bench',
  },
};

/**
 * core ← adapters ← handler folders (lambdas/<name>) ← lib, cli: nothing imports upward or sideways.
 * Relative import paths are resolved against the importing file, so the rule holds at any depth.
 * @type {import('eslint').Rule.RuleModule}
 */
const layersRule = {
  meta: {
    type: 'problem',
    docs: { description: `imports follow the layers of ${ARCHITECTURE}` },
    messages: { upward: '{{why}}: "{{source}}" is in {{target}} ({{doc}}).' },
    schema: [],
  },
  create(context) {
    const root = import.meta.dirname;
    const file = path.relative(root, context.filename).split(path.sep).join('/');
    const own = layerOf(file);
    const rule = LAYERS[own] ?? (own.startsWith('lambdas/') ? LAYERS.handler : undefined);
    if (!rule) return {};
    /** @param {import('estree').Node | null | undefined} node */
    const check = (node) => {
      if (node?.type !== 'Literal' || typeof node.value !== 'string') return;
      if (!node.value.startsWith('.') && node.value !== PACKAGE) return;
      const resolved = path.relative(root, path.resolve(path.dirname(context.filename), node.value));
      const target = node.value === PACKAGE ? 'lib' : layerOf(resolved.split(path.sep).join('/'));
      if (rule.may(target, own)) return;
      context.report({
        node,
        messageId: 'upward',
        data: { why: rule.why, source: node.value, target, doc: ARCHITECTURE },
      });
    };
    return {
      ImportDeclaration: (node) => check(node.source),
      ExportNamedDeclaration: (node) => check(node.source),
      ExportAllDeclaration: (node) => check(node.source),
      ImportExpression: (node) => check(node.source),
    };
  },
};

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'cdk.out/',
      'coverage/',
      'dist/',
      'test/.tmp/',
      '**/*.d.ts',
      '**/*.snapshot/',
      'test/integ/cdk-integ.out.*/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    plugins: { layers: { rules: { imports: layersRule } } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-console': 'off',
      'layers/imports': 'error',
    },
  },
  {
    files: ['lambdas/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@aws-sdk/*', 'aws-cdk-lib', 'aws-cdk-lib/*', '@aws-lambda-powertools/*'],
              message: `lambdas/core is pure: no AWS imports (${ARCHITECTURE}).`,
            },
          ],
        },
      ],
    },
  },
);
