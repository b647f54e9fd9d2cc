// Builds the two npm packages into dist/: the construct library (aws-webhook-gateway) and the
// command-line tool (aws-webhook-gateway-cli). `npm run build`; docs/development.md explains the layout.
import { execFile } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as esbuild from 'esbuild';
import { HANDLER_BUNDLING, HANDLER_ENTRIES } from '../lib/private/handler-entries';

const run = promisify(execFile);
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const DIST = join(ROOT, 'dist');
export const LIBRARY = 'aws-webhook-gateway';
export const CLI = 'aws-webhook-gateway-cli';

/** The Node.js versions both packages support: require(esm) without a flag starts at 20.19. */
const ENGINES = { node: '>=20.19' };
/** The lowest aws-cdk-lib and constructs the library is tested with (the repository pins exactly these). */
const PEERS = { 'aws-cdk-lib': '^2.276.0', constructs: '^10.8.1' };
/** What the constructs import at synth, besides aws-cdk-lib and constructs (the rule engine, the JWT scheme's key checks). */
const LIBRARY_DEPENDENCIES = ['@marcbachmann/cel-js', 're2js', 'jose'];
/**
 * What the CLI keeps as real dependencies: the AWS SDK clients, and the emulators (dynalite reads its
 * own files at run time). aws-local-stepfunctions is bundled instead: it declares node>=22.
 */
const CLI_DEPENDENCIES = [
  '@aws-sdk/client-api-gateway',
  '@aws-sdk/client-cloudformation',
  '@aws-sdk/client-dynamodb',
  '@aws-sdk/client-s3',
  '@aws-sdk/client-secrets-manager',
  '@aws-sdk/client-sfn',
  '@aws-sdk/client-sqs',
  '@aws-sdk/util-dynamodb',
  'dynalite',
  'local-aws-sqs',
];
/** What a handler loads only for a config that needs it: never in its entry file. */
const ON_DEMAND_PACKAGES = ['re2js', 'jose'];
const ESM_REQUIRE_BANNER =
  "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);";

interface RootPackage {
  readonly version: string;
  readonly description: string;
  readonly license: string;
  readonly dependencies: Record<string, string>;
}
const rootPackage = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as RootPackage;

function versionsOf(names: readonly string[]): Record<string, string> {
  return Object.fromEntries(
    names.map((name) => {
      const version = rootPackage.dependencies[name];
      if (!version) throw new Error(`${name} is not a dependency in package.json: add it there first`);
      return [name, version];
    }),
  );
}

/** The npm packages (name and folder) whose files a build bundled, from its metafile (or one output's inputs). */
function bundledPackages(inputs: { readonly inputs: Record<string, unknown> }): Map<string, string> {
  const packages = new Map<string, string>();
  for (const input of Object.keys(inputs.inputs)) {
    const match = /^(.*?node_modules\/)((?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (match) packages.set(match[2]!, join(ROOT, match[1]!, match[2]!));
  }
  return packages;
}

/** The inputs of an entry output and of every chunk it imports statically: what runs at start-up. */
function startupInputs(metafile: esbuild.Metafile, entry: string): Record<string, unknown> {
  const inputs: Record<string, unknown> = {};
  const pending = Object.keys(metafile.outputs).filter((f) => f.endsWith(entry));
  for (const seen = new Set<string>(); pending.length > 0;) {
    const file = pending.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const output = metafile.outputs[file]!;
    Object.assign(inputs, output.inputs);
    for (const imported of output.imports)
      if (!imported.external && imported.kind === 'import-statement') pending.push(imported.path);
  }
  return inputs;
}

/** Every package an output imports at run time (its externals other than Node.js built-ins). */
function externalPackages(metafile: esbuild.Metafile): Set<string> {
  const names = new Set<string>();
  for (const output of Object.values(metafile.outputs))
    for (const imported of output.imports)
      if (imported.external && !isBuiltin(imported.path)) names.add(/^(?:@[^/]+\/)?[^/]+/.exec(imported.path)![0]);
  return names;
}

/** The license texts of bundled packages, as npm packages that bundle others ship them. */
function thirdPartyLicenses(packages: Map<string, string>): string {
  const sections = [...packages].sort(([a], [b]) => a.localeCompare(b));
  return sections
    .map(([name, dir]) => {
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        version: string;
        license?: string;
      };
      const file = readdirSync(dir).find((f) => /^(licen[cs]e|copying)(\.|$)/i.test(f));
      const text = file ? readFileSync(join(dir, file), 'utf8').trim() : `License: ${manifest.license ?? 'unknown'}`;
      return `${name}@${manifest.version}\n\n${text}\n`;
    })
    .join(`\n${'-'.repeat(80)}\n\n`);
}

/** The prebuilt handler code instead of the source tree's (lib/private/handler-code.ts). */
const prebuiltHandlers: esbuild.Plugin = {
  name: 'prebuilt-handlers',
  setup(build) {
    build.onResolve({ filter: /^\.\/handler-code$/ }, (args) =>
      args.importer.endsWith(join('lib', 'private', 'functions.ts'))
        ? { path: join(ROOT, 'lib/private/handler-code.prebuilt.ts') }
        : undefined,
    );
  },
};

const COMMON = {
  absWorkingDir: ROOT,
  bundle: true,
  platform: 'node',
  // Paths in the output as in the repository, however node_modules is linked.
  preserveSymlinks: true,
  logLevel: 'warning',
  metafile: true,
} satisfies esbuild.BuildOptions;

/**
 * Bundles each handler into `<out>/handlers/<directory>/index.mjs` as NodejsFunction would at synth,
 * with two differences: code it loads on demand (`import()`: the RE2 engine, JWT) goes to chunks of
 * its own beside it, and source maps are always written (a function ships them only when it asks).
 * Returns the npm packages bundled (name → folder).
 */
export async function buildHandlers(out: string): Promise<Map<string, string>> {
  const licenses = new Map<string, string>();
  for (const [kind, { entry, directory }] of Object.entries(HANDLER_ENTRIES)) {
    const handler = await esbuild.build({
      ...COMMON,
      entryPoints: { index: entry },
      outdir: join(out, 'handlers', directory),
      splitting: true,
      outExtension: { '.js': '.mjs' },
      format: HANDLER_BUNDLING.format,
      mainFields: [...HANDLER_BUNDLING.mainFields],
      banner: { js: HANDLER_BUNDLING.banner },
      minify: HANDLER_BUNDLING.minify,
      keepNames: HANDLER_BUNDLING.keepNames,
      sourcemap: true,
      sourcesContent: HANDLER_BUNDLING.sourcesContent,
      // As NodejsFunction for nodejs24.x with @aws-cdk/aws-lambda-nodejs:sdkV3ExcludeSmithyPackages.
      target: 'node24',
      external: ['@aws-sdk/*', '@smithy/*'],
    });
    const outputs = Object.keys(handler.metafile.outputs);
    if (!outputs.some((f) => f.endsWith(`${directory}/index.mjs`)) || outputs.some((f) => !/\.mjs(\.map)?$/.test(f)))
      throw new Error(`handler ${kind}: unexpected outputs ${outputs.join(', ')}`);
    const eager = [...bundledPackages({ inputs: startupInputs(handler.metafile, `${directory}/index.mjs`) }).keys()];
    const misplaced = eager.filter((name) => ON_DEMAND_PACKAGES.includes(name));
    if (misplaced.length > 0)
      throw new Error(`handler ${kind} loads ${misplaced.join(', ')} at start-up: import() it where it is needed`);
    for (const [name, dir] of bundledPackages(handler.metafile)) licenses.set(name, dir);
  }
  return licenses;
}

async function buildLibrary(out: string): Promise<void> {
  const peers = Object.keys(PEERS);
  const result = await esbuild.build({
    ...COMMON,
    entryPoints: ['lib/index.ts'],
    outfile: join(out, 'index.js'),
    format: 'cjs',
    target: 'node20',
    external: [...peers, 'aws-cdk-lib/*', ...LIBRARY_DEPENDENCIES],
    plugins: [prebuiltHandlers],
  });
  const bundled = bundledPackages(result.metafile);
  if (bundled.size > 0)
    throw new Error(`the library bundles ${[...bundled.keys()].join(', ')}: declare them dependencies`);
  if (!Object.keys(result.metafile.inputs).includes('lib/private/handler-code.prebuilt.ts'))
    throw new Error('the library does not use the prebuilt handlers');

  // tsc takes longest: it runs while esbuild bundles the handlers.
  const [licenses] = await Promise.all([buildHandlers(out), declarations(out)]);
  writeFileSync(join(out, 'THIRD-PARTY-LICENSES.txt'), thirdPartyLicenses(licenses));

  writePackage(out, {
    name: LIBRARY,
    description: rootPackage.description,
    main: './index.js',
    types: './index.d.ts',
    exports: { '.': { types: './index.d.ts', default: './index.js' }, './package.json': './package.json' },
    files: ['index.js', 'index.d.ts', 'lib/**/*.d.ts', 'lambdas/**/*.d.ts', 'handlers', 'THIRD-PARTY-LICENSES.txt'],
    dependencies: versionsOf(LIBRARY_DEPENDENCIES),
    peerDependencies: PEERS,
  });
  cpSync(join(ROOT, 'README.md'), join(out, 'README.md'));
}

/** The library's type declarations: lib/index.ts and what it references, under `lib/` and `lambdas/`. */
async function declarations(out: string): Promise<void> {
  const config = join(DIST, 'tsconfig.declarations.json');
  writeFileSync(
    config,
    JSON.stringify({
      extends: relative(DIST, join(ROOT, 'tsconfig.json')),
      compilerOptions: {
        noEmit: false,
        declaration: true,
        emitDeclarationOnly: true,
        stripInternal: true,
        rootDir: ROOT,
        outDir: out,
      },
      include: [],
      files: [join(ROOT, 'lib/index.ts')],
    }),
  );
  await run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', config], { cwd: ROOT }).catch(
    (error: { stdout?: string }) => {
      throw new Error(`tsc failed to emit the declarations:\n${error.stdout ?? String(error)}`);
    },
  );
  rmSync(config);
  writeFileSync(join(out, 'index.d.ts'), "export * from './lib/index';\n");
}

async function buildCli(out: string): Promise<void> {
  const result = await esbuild.build({
    ...COMMON,
    entryPoints: ['bin/webhook-gateway.ts'],
    outfile: join(out, 'webhook-gateway.mjs'),
    format: 'esm',
    target: 'node20',
    mainFields: ['module', 'main'],
    banner: { js: ESM_REQUIRE_BANNER },
    external: CLI_DEPENDENCIES.flatMap((name) => [name, `${name}/*`]),
    legalComments: 'none',
  });
  // esbuild keeps the entry's hashbang (tsx, for the source tree) above the banner: the package runs node.
  const bin = join(out, 'webhook-gateway.mjs');
  writeFileSync(bin, `#!/usr/bin/env node\n${readFileSync(bin, 'utf8').replace(/^#!.*\n/, '')}`);
  chmodSync(bin, 0o755);
  const externals = externalPackages(result.metafile);
  const undeclared = [...externals].filter((name) => !CLI_DEPENDENCIES.includes(name));
  if (undeclared.length > 0)
    throw new Error(`the CLI imports ${undeclared.join(', ')} at run time: declare them dependencies`);
  const bundled = bundledPackages(result.metafile);
  if (!bundled.has('aws-local-stepfunctions'))
    throw new Error('the CLI must bundle aws-local-stepfunctions (node>=22)');
  writeFileSync(join(out, 'THIRD-PARTY-LICENSES.txt'), thirdPartyLicenses(bundled));
  writePackage(out, {
    name: CLI,
    description:
      'The webhook-gateway command: run an aws-webhook-gateway CDK app locally, sign and send test deliveries, inspect a deployed gateway.',
    type: 'module',
    bin: { 'webhook-gateway': './webhook-gateway.mjs' },
    exports: { './package.json': './package.json' },
    files: ['webhook-gateway.mjs', 'THIRD-PARTY-LICENSES.txt'],
    dependencies: versionsOf(CLI_DEPENDENCIES),
  });
  writeFileSync(join(out, 'README.md'), CLI_README);
}

function writePackage(out: string, fields: Record<string, unknown>): void {
  const { name, description, ...rest } = fields;
  const manifest = {
    name,
    version: rootPackage.version,
    description,
    license: rootPackage.license,
    engines: ENGINES,
    ...rest,
  };
  writeFileSync(join(out, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  cpSync(join(ROOT, 'LICENSE'), join(out, 'LICENSE'));
}

const CLI_README = `# aws-webhook-gateway-cli

The \`webhook-gateway\` command for CDK apps that use the
[aws-webhook-gateway](https://www.npmjs.com/package/aws-webhook-gateway) constructs.

\`\`\`sh
npm install -D aws-webhook-gateway-cli
npx webhook-gateway local            # synthesizes the app of ./cdk.json and serves its gateway on a laptop
npx webhook-gateway send github      # signs and sends a sample delivery to it
npx webhook-gateway --help
\`\`\`

\`local\` runs the gateway's handlers in process with an embedded DynamoDB (dynalite), SQS
(local-aws-sqs) and Step Functions (aws-local-stepfunctions, bundled); no Docker, no AWS account.
Other commands (\`doctor\`, \`history\`, \`replay\`, \`redrive\`, \`secret\`) work against a deployed gateway
with your AWS credentials. Requires Node.js 20.19 or later.
`;

/** Builds both packages into dist/ (replacing what is there). */
export async function buildPackages(): Promise<{ library: string; cli: string }> {
  rmSync(DIST, { recursive: true, force: true });
  const library = join(DIST, LIBRARY);
  const cli = join(DIST, CLI);
  mkdirSync(library, { recursive: true });
  mkdirSync(cli, { recursive: true });
  await Promise.all([buildLibrary(library), buildCli(cli)]);
  return { library, cli };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { library, cli } = await buildPackages();
  for (const dir of [library, cli]) if (!existsSync(join(dir, 'package.json'))) throw new Error(`${dir} was not built`);
  process.stdout.write(`built ${relative(ROOT, library)} and ${relative(ROOT, cli)}\n`);
}
