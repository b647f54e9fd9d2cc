import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// The layers of docs/ARCHITECTURE.md#layers, as eslint.config.js enforces them: each case lints an
// in-memory file at a path in the repository, so the rule cannot stop working unnoticed.
const eslint = new ESLint({ cwd: process.cwd() });

async function problems(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: file });
  return result!.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

const layerErrors = async (file: string, code: string) =>
  (await problems(file, code)).filter((p) => p.startsWith('layers/imports'));

describe('layers lint rule', () => {
  it('keeps lambdas/core pure: nothing outside core, at any depth, and no AWS package', async () => {
    expect(
      await layerErrors('lambdas/core/x.ts', "import type { Log } from '../adapters/ports';\nexport type X = Log;\n"),
    ).toEqual([
      'layers/imports: lambdas/core is pure and imports only lambdas/core: "../adapters/ports" is in lambdas/adapters (docs/ARCHITECTURE.md#layers).',
    ]);
    expect(
      await layerErrors(
        'lambdas/core/verify/presets/x.ts',
        "import { a } from '../schemes/hmac';\nimport { b } from '../../../ingest/pipeline';\nexport const x = [a, b];\n",
      ),
    ).toEqual([expect.stringContaining('"../../../ingest/pipeline" is in lambdas/ingest')]);
    expect(
      await problems(
        'lambdas/core/x.ts',
        "import { S3Client } from '@aws-sdk/client-s3';\nexport const c = S3Client;\n",
      ),
    ).toEqual([expect.stringMatching(/^no-restricted-imports: .*lambdas\/core is pure: no AWS imports/)]);
  });

  it('lets adapters import core and other adapters, nothing above', async () => {
    const ok =
      "import { METRICS } from '../core/config/environment';\nimport type { Clock } from './ports';\nexport const x: [typeof METRICS, Clock?] = [METRICS];\n";
    expect(await layerErrors('lambdas/adapters/x.ts', ok)).toEqual([]);
    expect(
      await layerErrors('lambdas/adapters/x.ts', "export const f = () => import('../ingest/pipeline');\n"),
    ).toEqual([
      expect.stringContaining('lambdas/adapters imports only lambdas/core and other adapters: "../ingest/pipeline"'),
    ]);
  });

  it('keeps each handler folder to core, adapters and itself: no sideways import, re-exports included', async () => {
    const ok =
      "import { x } from './pipeline';\nimport { y } from '../adapters/ports';\nimport { z } from '../core/body';\nexport const all = [x, y, z];\n";
    expect(await layerErrors('lambdas/ingest/x.ts', ok)).toEqual([]);
    expect(
      await layerErrors('lambdas/dispatcher/x.ts', "export { createRegistrar } from '../waiter/handler';\n"),
    ).toEqual([expect.stringContaining('never another handler folder')]);
    expect(await layerErrors('lambdas/ingest/x.ts', "export * from '../../lib/index';\n")).toEqual([
      expect.stringContaining('"../../lib/index" is in lib'),
    ]);
    // The package name is the constructs too (tsconfig.json maps it to lib/index.ts).
    expect(await layerErrors('lambdas/core/x.ts', "export * from 'aws-webhook-gateway';\n")).toEqual([
      expect.stringContaining('"aws-webhook-gateway" is in lib'),
    ]);
  });

  it('keeps lib and cli off what sits above them', async () => {
    expect(
      await layerErrors('lib/private/x.ts', "import { main } from '../../cli/main';\nexport const m = main;\n"),
    ).toEqual([expect.stringContaining('lib (the constructs) imports lambdas and lib, never cli')]);
    expect(
      await layerErrors('cli/x.ts', "import { gateway } from '../test/support/gateway';\nexport const g = gateway;\n"),
    ).toEqual([expect.stringContaining('"../test/support/gateway" is in test')]);
    const ok =
      "import { GATEWAY_OUTPUTS } from '../lib/outputs';\nimport { x } from '../lambdas/ingest/replay';\nexport const all = [GATEWAY_OUTPUTS, x];\n";
    expect(await layerErrors('cli/x.ts', ok)).toEqual([]);
  });
});
