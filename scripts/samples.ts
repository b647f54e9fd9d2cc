// Writes cli/samples/github.json: one example delivery per GitHub event, taken from
// @octokit/webhooks-examples (a devDependency), so that the CLI ships the samples without the
// package. `npx tsx scripts/samples.ts`; test/cli/samples.test.ts fails when the file and the
// package disagree. docs/cli.md#sample-events says what `send --event` does with them.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const GITHUB_SAMPLES = join(ROOT, 'cli/samples/github.json');
const PACKAGE = '@octokit/webhooks-examples';

/** The action a sample of an event shows, when the package has an example with it: the first that occurs. */
const PREFERRED_ACTIONS = ['opened', 'created', 'submitted', 'completed', 'published', 'requested', 'added'];

interface Definition {
  readonly name: string;
  readonly examples: readonly Record<string, unknown>[];
}

/** The file's text: `{"source": "<package>@<version>", "events": {"<event>": <example>, …}}`, one event a line. */
export function githubSamples(): string {
  const require = createRequire(import.meta.url);
  const definitions = require(`${PACKAGE}/api.github.com/index.json`) as Definition[];
  const { version } = JSON.parse(readFileSync(require.resolve(`${PACKAGE}/package.json`), 'utf8')) as {
    version: string;
  };
  const lines = [...definitions]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((d) => `    ${JSON.stringify(d.name)}: ${JSON.stringify(pick(d.examples))}`);
  return `{\n  "source": "${PACKAGE}@${version}",\n  "events": {\n${lines.join(',\n')}\n  }\n}\n`;
}

function pick(examples: Definition['examples']): Record<string, unknown> {
  // A push to a branch, with a commit, rather than a tag's.
  const branchPush = examples.find((e) => typeof e.ref === 'string' && e.ref.startsWith('refs/heads/'));
  if (branchPush) return branchPush;
  for (const action of PREFERRED_ACTIONS) {
    const found = examples.find((e) => e.action === action);
    if (found) return found;
  }
  return examples[0]!;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  writeFileSync(GITHUB_SAMPLES, githubSamples());
  console.log(`wrote ${GITHUB_SAMPLES}`);
}
