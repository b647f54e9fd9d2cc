import { spawnSync } from 'node:child_process';

/**
 * `npm run integ`: deploys the integration test (test/integ/integ.gateway.ts) to the account and
 * region of the current AWS credentials, which runs its assertions, then destroys every stack it
 * created, whether the assertions passed or not. Extra arguments go to both cdk commands
 * (`npm run integ -- --profile test`); `--no-clean` keeps the stacks for debugging.
 *
 * integ-runner would do the same, but its latest release (2.197.10) reads cloud assemblies up to
 * schema 53, and aws-cdk-lib 2.276 writes schema 55; this project's cdk CLI reads 55.
 */
const args = process.argv.slice(2);
const clean = !args.includes('--no-clean');
const common = [
  '--app',
  'npx tsx test/integ/integ.gateway.ts',
  '--output',
  'test/integ/cdk-integ.out.integ.gateway.ts',
  ...args.filter((a) => a !== '--no-clean'),
];
const cdk = (command: string[]) => spawnSync('npx', ['cdk', ...command, ...common], { stdio: 'inherit' }).status ?? 1;

const deployed = cdk(['deploy', '--all', '--require-approval', 'never']);
const destroyed = clean ? cdk(['destroy', '--all', '--force']) : 0;
console.log(
  deployed === 0
    ? 'integration test passed: every assertion held'
    : 'integration test failed: the failing assertion is the CREATE_FAILED resource of WebhookGatewayIntegAssertions above',
);
if (!clean)
  console.log(
    '--no-clean: the stacks are still deployed; `npx cdk destroy --all --app "npx tsx test/integ/integ.gateway.ts"` removes them',
  );
process.exit(deployed || destroyed);
